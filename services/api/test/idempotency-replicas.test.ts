/**
 * Idempotent publishing through two api processes on one real broker (Redis, then NATS with
 * JetStream), with one edge and a WebSocket subscriber: a key sent to both replicas is stored
 * and delivered once and answered with the same offset and epoch by both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type BrokerHandle,
  freePort,
  requestJson,
  ServiceProcess,
  startCluster,
  startNats,
  startRedis,
  type TestCluster,
  WsTestClient,
} from '@switchboard/testkit';

interface Answer {
  offset: number;
  epoch: string;
}

const T = { timeout: 30_000 };

const backends: Array<[string, () => Promise<BrokerHandle>]> = [
  ['Redis', () => startRedis()],
  ['NATS', () => startNats({ jetstream: true })],
];

for (const [name, startBroker] of backends) {
  describe(`idempotency across two api replicas on ${name}`, () => {
    let broker: BrokerHandle;
    let cluster: TestCluster;
    let second: ServiceProcess;
    let subscriber: WsTestClient;
    const topic = 'idem.replicas';

    before(async () => {
      broker = await startBroker();
      cluster = await startCluster({ busUrl: broker.url, edges: 1 });
      const port = await freePort();
      second = new ServiceProcess('api-2', port, 'services/api/src/main.ts', {
        ...process.env,
        HOST: '127.0.0.1',
        BUS_URL: broker.url,
        LOG_LEVEL: 'warn',
        PORT: String(port),
        NODE_ID: 'api-2',
      });
      await second.start();
      const [edge] = cluster.edges;
      assert.ok(edge !== undefined);
      subscriber = await WsTestClient.connect(edge.wsUrl);
      await subscriber.request({ op: 'subscribe', id: 1, topic: 'idem.>' });
    });
    after(async () => {
      subscriber?.ws.terminate();
      await second?.kill();
      await cluster?.stop();
      await broker?.stop();
    });

    const publish = (api: ServiceProcess, data: unknown, key: string) =>
      requestJson(`${api.url}/v1/publish`, { body: { topic, data }, headers: { 'idempotency-key': key } });
    const delivered = (data: unknown) =>
      subscriber.frames.filter((f) => f.op === 'message' && JSON.stringify(f.data) === JSON.stringify(data));
    const stored = async () =>
      ((await requestJson(`${cluster.api.url}/v1/topics/${topic}/history?limit=1000`)).body as { messages: unknown[] }).messages.length;

    it('the same key to both gives the same offset and epoch; delivered once; a new key gets the next offset', T, async () => {
      const first = await publish(cluster.api, { n: 1 }, 'key-1');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const again = await publish(second, { n: 1 }, 'key-1');
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      const next = await publish(second, { n: 2 }, 'key-2');
      assert.deepEqual(next.body, { offset: (first.body as Answer).offset + 1, epoch: (first.body as Answer).epoch });
      // Every frame of {n:1} arrived before {n:2}'s (one topic, offsets in order).
      await subscriber.next((f) => f.op === 'message' && (f.data as { n?: number }).n === 2, 10_000);
      assert.equal(delivered({ n: 1 }).length, 1, 'the subscriber received the message once');
      assert.equal(await stored(), 2);
    });

    it('the same key at the same time through both replicas stores once', T, async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => publish(i % 2 ? second : cluster.api, 'race', 'key-race')));
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'one answer for all');
      assert.equal(await stored(), 3);
    });

    it('a batch resent with the same ids (to the other replica) stores nothing new', T, async () => {
      const messages = [
        { topic, data: 'b1', id: 'batch-1' },
        { topic, data: 'b2', id: 'batch-2' },
      ];
      const first = await requestJson(`${cluster.api.url}/v1/publish/batch`, { body: { messages } });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const again = await requestJson(`${second.url}/v1/publish/batch`, { body: { messages } });
      assert.deepEqual(again.body, first.body);
      assert.equal(await stored(), 5);
    });

    it('the same key with another body is 409 idempotency_conflict through either replica', T, async () => {
      for (const api of [cluster.api, second]) {
        const res = await publish(api, { n: 'other' }, 'key-1');
        assert.equal(res.status, 409, JSON.stringify(res.body));
        assert.equal((res.body as { error: { code: string } }).error.code, 'idempotency_conflict');
      }
      assert.equal(await stored(), 5);
      assert.equal(delivered({ n: 'other' }).length, 0);
    });
  });
}
