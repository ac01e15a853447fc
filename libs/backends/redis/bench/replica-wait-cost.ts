/**
 * The cost of HISTORY_REPLICAS=2 (WAIT 1 behind every append) against HISTORY_REPLICAS=1 on a
 * local Redis Cluster 3 + 3, measured in the same run, interleaved rounds:
 *   npx tsx libs/backends/redis/bench/replica-wait-cost.ts [appends per round, default 2000]
 * Prints one JSON line: appends/s of each (sequential: latency-bound; 64 in flight: throughput)
 * and the ratios. Loopback only; on a shared machine compare ratios, not absolute numbers.
 */
import { startLocalRedisCluster } from '@switchboard/testkit';
import { RedisHistory } from '../redis-history.js';

const count = Number(process.argv[2] ?? 2000);
const cluster = await startLocalRedisCluster({ masters: 3, replicas: 1 });
try {
  const stores = {
    r1: await RedisHistory.connect(cluster.url, { size: 100, ttlMs: 60_000 }, { prefix: 'bench1', replicas: 1 }),
    r2: await RedisHistory.connect(cluster.url, { size: 100, ttlMs: 60_000 }, { prefix: 'bench2', replicas: 2 }),
  };
  const data = JSON.stringify({ text: 'x'.repeat(100) });
  const rate = async (store: RedisHistory, inFlight: number): Promise<number> => {
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) await store.append(`t${next++ % 50}`, data);
      }),
    );
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  const best = { r1seq: 0, r2seq: 0, r1par: 0, r2par: 0 };
  for (let round = 0; round < 3; round++) {
    best.r1seq = Math.max(best.r1seq, await rate(stores.r1, 1));
    best.r2seq = Math.max(best.r2seq, await rate(stores.r2, 1));
    best.r1par = Math.max(best.r1par, await rate(stores.r1, 64));
    best.r2par = Math.max(best.r2par, await rate(stores.r2, 64));
  }
  const round = (n: number) => Math.round(n);
  process.stdout.write(
    `${JSON.stringify({
      appendsPerRound: count,
      sequentialPerSec: { replicas1: round(best.r1seq), replicas2: round(best.r2seq), ratio: +(best.r2seq / best.r1seq).toFixed(2) },
      inFlight64PerSec: { replicas1: round(best.r1par), replicas2: round(best.r2par), ratio: +(best.r2par / best.r1par).toFixed(2) },
    })}\n`,
  );
  await stores.r1.close();
  await stores.r2.close();
} finally {
  await cluster.stop();
}
