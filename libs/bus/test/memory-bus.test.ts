import { MemoryBroker, MemoryBus } from '../src/index.js';
import { runBusConformance } from './conformance.js';

runBusConformance('memory', async () => {
  const broker = new MemoryBroker();
  return { createBus: async () => new MemoryBus(broker) };
});
