import { type Backend, type BackendOptions, openBusAndHistory } from '../backend.js';
import { JetStreamHistory } from './jetstream-history.js';
import { NatsBus } from './nats-bus.js';

/** `nats://a:4222[,b:4222]`: core NATS for the bus, a JetStream stream for the history. */
export function openNatsBackend(url: string, options: BackendOptions): Promise<Backend> {
  return openBusAndHistory(
    () => NatsBus.connect(url, options),
    (limits) => JetStreamHistory.connect(url, limits, { prefix: options.prefix }),
    options.history,
  );
}
