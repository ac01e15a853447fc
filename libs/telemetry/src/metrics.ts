import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** A per-process Prometheus registry with the Node runtime metrics, labelled with the node id. */
export function createMetricsRegistry(labels: { service: string; node: string }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A counter whose value is read from a plain number at scrape time, so the hot path only does
 * `stats.x++` and never touches the metrics library.
 */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge read at scrape time. */
export function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export type { Registry } from 'prom-client';

/** A gauge with one series per state, 1 for the current state and 0 for the others. */
export function stateGaugeFrom(registry: Registry, name: string, help: string, states: readonly string[], read: () => string): void {
  new Gauge({
    name,
    help,
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = read();
      for (const state of states) this.set({ state }, state === current ? 1 : 0);
    },
  });
}
export { Histogram } from 'prom-client';
