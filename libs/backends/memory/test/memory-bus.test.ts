import { runBusConformance } from '@switchboard/bus/conformance';
import { MemoryBroker, MemoryBus } from '../memory-bus.js';

runBusConformance('memory', async () => {
  const broker = new MemoryBroker();
  return { createBus: async (options) => new MemoryBus(broker, options) };
});
