import { parseArgs } from 'node:util';
import type { BusKind } from './targets.js';

export const SCENARIOS = ['burst', 'rate', 'idle', 'connect', 'cross-node', 'hot-topic', 'ws-burst', 'pusher-burst'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  /** Null: the scenario's default (memory for all but cross-node, which needs a broker: nats). */
  bus: BusKind | null;
  json: string | null;
  /** Client worker processes. */
  workers: number;
  /** Scenario sizes; null = the scenario's default. */
  subscribers: number | null;
  messages: number | null;
  bursts: number | null;
  rate: number | null;
  durationS: number | null;
  connections: number | null;
  payloadBytes: number;
  /** Write `--cpu-prof` profiles of the servers here. */
  profileDir: string | null;
  repeat: number;
  progress: boolean;
  /**
   * burst: sampling ratios of extra Switchboard targets run with tracing on (OTLP to a local
   * receiver), measured in the same run as tracing off and the ceiling. Empty: none.
   */
  tracing: number[];
}

export const USAGE = `usage: npm run bench -- --scenario burst|rate|idle|connect|cross-node|hot-topic|ws-burst|pusher-burst|all [options]

  --bus memory|nats|redis   memory = the all-in-one process (default; cross-node: nats;
                            hot-topic: memory, then redis and nats; ws-burst: redis and nats)
  --json FILE               also write the results as JSON
  --workers N               client worker processes (default 2)
  --subscribers N           burst 2000, rate 1000, cross-node 2000, ws-burst 2000, pusher-burst 2000 per protocol
  --messages N              messages per burst (default 200)
  --bursts N                measured bursts per side (burst 5, cross-node 10, ws-burst 5)
  --rate N                  rate: messages per second on the topic (default 100)
  --duration S              rate: measured seconds per side (default 10); hot-topic: per bus (3)
  --connections N           idle 10000, connect 5000; hot-topic: concurrent publishers (64)
  --payload BYTES           filler bytes in each message's data (default 64)
  --profile DIR             write --cpu-prof profiles of the servers to DIR
  --repeat N                run each scenario N times (default 1)
  --tracing R[,R…]          burst: also run Switchboard with tracing on at these sampling
                            ratios (e.g. 0.01,1), OTLP to a receiver in the bench process
  --no-progress             no progress bar on stderr`;

function int(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, not "${value}"`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      bus: { type: 'string' },
      json: { type: 'string' },
      workers: { type: 'string' },
      subscribers: { type: 'string' },
      messages: { type: 'string' },
      bursts: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      payload: { type: 'string' },
      profile: { type: 'string' },
      repeat: { type: 'string' },
      'no-progress': { type: 'boolean' },
      tracing: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) throw new Error(USAGE);
  const names = (values.scenario ?? []).flatMap((s) => s.split(','));
  if (names.length === 0) throw new Error(`--scenario is required\n${USAGE}`);
  const scenarios = names.includes('all') ? [...SCENARIOS] : names;
  for (const name of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}"\n${USAGE}`);
  }
  const bus = values.bus ?? null;
  if (bus !== null && bus !== 'memory' && bus !== 'nats' && bus !== 'redis') throw new Error(`--bus must be memory, nats or redis`);
  return {
    scenarios: scenarios as ScenarioName[],
    bus,
    json: values.json ?? null,
    workers: Math.max(1, int(values.workers, 'workers') ?? 2),
    subscribers: int(values.subscribers, 'subscribers'),
    messages: int(values.messages, 'messages'),
    bursts: int(values.bursts, 'bursts'),
    rate: int(values.rate, 'rate'),
    durationS: int(values.duration, 'duration'),
    connections: int(values.connections, 'connections'),
    payloadBytes: int(values.payload, 'payload') ?? 64,
    profileDir: values.profile ?? null,
    repeat: Math.max(1, int(values.repeat, 'repeat') ?? 1),
    progress: !values['no-progress'],
    tracing: (values.tracing ?? '')
      .split(',')
      .filter((r) => r !== '')
      .map((r) => {
        const ratio = Number(r);
        if (!(ratio >= 0 && ratio <= 1)) throw new Error(`--tracing takes ratios from 0 to 1, not "${r}"`);
        return ratio;
      }),
  };
}
