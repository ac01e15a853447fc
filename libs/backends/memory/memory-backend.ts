import { type Backend, type BackendOptions, openBusAndHistory } from '../backend.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryHistory } from './memory-history.js';

/** `memory://`: the process's in-memory bus and an in-memory history. */
export function openMemoryBackend(options: BackendOptions): Promise<Backend> {
  return openBusAndHistory(
    async () => new MemoryBus(undefined, options),
    async (limits) => new MemoryHistory(limits),
    options.history,
  );
}
