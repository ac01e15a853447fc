import assert from 'node:assert/strict';
import { type NatsClusterHandle, startNatsCluster } from '@switchboard/testkit';
import { runBrokerFailover } from './broker-failover.js';

runBrokerFailover({
  name: 'nats (3 servers, HISTORY_REPLICAS=3)',
  start: () => startNatsCluster({ servers: 3 }),
  // The worst server to lose: the one that leads the history stream (its followers elect anew).
  async victim(broker) {
    const cluster = broker as NatsClusterHandle;
    const prefix = `f${process.pid}`.toUpperCase();
    for (const url of cluster.monitorUrls) {
      const jsz = (await (await fetch(`${url}/jsz?streams=true`)).json()) as {
        account_details?: Array<{ stream_detail?: Array<{ name: string; cluster?: { leader?: string } }> }>;
      };
      const stream = jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === `${prefix}_HISTORY`);
      const leader = cluster.nodes.find((n) => n.name === stream?.cluster?.leader);
      if (leader !== undefined) return leader;
    }
    const [first] = cluster.nodes;
    assert.ok(first);
    return first;
  },
  env: { HISTORY_REPLICAS: '3' },
});
