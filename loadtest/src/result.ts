import type { BusKind } from './targets.js';

export type Metrics = Record<string, number | null>;

/** One side of a comparison: Switchboard, or what it is compared with (the ceiling, or one edge). */
export interface Side {
  label: string;
  metrics: Metrics;
}

/** A target from the issue, checked on this run's numbers. */
export interface TargetCheck {
  /** What is compared, e.g. `cpuUsPerDelivery ratio`. */
  what: string;
  value: number | null;
  op: '<=' | '>=';
  limit: number;
  met: boolean;
}

export interface ScenarioResult {
  scenario: string;
  bus: BusKind;
  params: Record<string, number | string>;
  subject: Side;
  baseline: Side;
  /** subject / baseline for the metrics both sides have. */
  ratios: Metrics;
  checks: TargetCheck[];
  /** Every expected delivery arrived, on both sides. */
  deliveriesOk: boolean;
  notes: string[];
  /** burst with --tracing: each traced variant's metrics and its ratios to tracing off. */
  tracing?: Array<{ ratio: number; metrics: Metrics; vsTracingOff: Metrics }>;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  results: ScenarioResult[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** subject / baseline for every metric both have (3 significant digits or so). */
export function ratiosOf(subject: Metrics, baseline: Metrics, keys: string[]): Metrics {
  const ratios: Metrics = {};
  for (const key of keys) {
    const a = subject[key];
    const b = baseline[key];
    ratios[key] = a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, 3);
  }
  return ratios;
}

export function check(what: string, value: number | null, op: '<=' | '>=', limit: number): TargetCheck {
  const met = value !== null && (op === '<=' ? value <= limit : value >= limit);
  return { what, value, op, limit, met };
}

/** Rounds every number of a metrics object for display and JSON. */
export function tidy(metrics: Metrics): Metrics {
  const out: Metrics = {};
  for (const [key, value] of Object.entries(metrics)) {
    out[key] = value === null ? null : Math.abs(value) >= 100 ? Math.round(value) : round(value, Math.abs(value) >= 1 ? 2 : 3);
  }
  return out;
}
