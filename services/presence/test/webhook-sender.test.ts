import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookReceiver } from '@switchboard/testkit';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signBody, userEventRequest } from '../src/user-event-webhook.js';
import type { UserEvent } from '../src/user-transition.js';
import { WebhookSender } from '../src/webhook-sender.js';

const SECRET = 'test-secret';
const quiet = { warn: () => undefined };

async function until(probe: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const event = (n: number, kind: 'online' | 'offline' = 'online'): UserEvent => ({
  id: `id-${n}`,
  event: kind,
  user: `u${n}`,
  at: new Date(1_700_000_000_000 + n).toISOString(),
});

describe('WebhookSender', () => {
  let receiver: WebhookReceiver;
  const senders: WebhookSender[] = [];
  const sender = (options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) => {
    const s = new WebhookSender({
      url: receiver.url,
      queueLimit: 100,
      timeoutMs: 1000,
      baseBackoffMs: 20,
      maxBackoffMs: 100,
      log: quiet,
      ...options,
    });
    senders.push(s);
    return s;
  };
  before(async () => {
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await Promise.all(senders.map((s) => s.stop()));
    await receiver.close();
  });

  it('POSTs each event in order, signed with HMAC-SHA256 of the body, with its id', async () => {
    receiver.requests.length = 0;
    receiver.respond = () => 204;
    const s = sender();
    for (let i = 0; i < 5; i++) s.enqueue(userEventRequest(event(i, i % 2 === 0 ? 'online' : 'offline'), SECRET));
    await receiver.until((r) => r.length === 5);
    receiver.requests.forEach((r, i) => {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(r.body), event(i, i % 2 === 0 ? 'online' : 'offline'));
      assert.equal(r.headers[EVENT_ID_HEADER], `id-${i}`);
      assert.equal(r.headers[SIGNATURE_HEADER], signBody(SECRET, r.body));
      assert.match(String(r.headers[SIGNATURE_HEADER]), /^sha256=[0-9a-f]{64}$/);
    });
    await until(() => s.stats.delivered === 5);
    assert.equal(s.pending, 0);
  });

  it('retries failures with backoff until accepted (at-least-once, order kept)', async () => {
    receiver.requests.length = 0;
    receiver.respond = (_r, i) => (i < 3 ? 503 : 200);
    const s = sender();
    s.enqueue(userEventRequest(event(1), SECRET));
    s.enqueue(userEventRequest(event(2), SECRET));
    await receiver.until((r) => r.filter((x) => x.status === 200).length === 2);
    assert.deepEqual(
      receiver.requests.map((r) => [JSON.parse(r.body).id, r.status]),
      [
        ['id-1', 503],
        ['id-1', 503],
        ['id-1', 503],
        ['id-1', 200],
        ['id-2', 200],
      ],
    );
    assert.equal(s.stats.failures, 3);
  });

  it('retries when the receiver is unreachable', async () => {
    const down = await WebhookReceiver.start();
    const url = down.url;
    await down.close();
    const s = sender({ url });
    s.enqueue(userEventRequest(event(1), SECRET));
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(s.stats.failures >= 2, `${s.stats.failures} failures`);
    assert.equal(s.pending, 1);
  });

  it('gives up on an event the receiver refuses (4xx) and goes on', async () => {
    receiver.requests.length = 0;
    receiver.respond = (r) => (JSON.parse(r.body).id === 'id-1' ? 400 : 200);
    const s = sender();
    s.enqueue(userEventRequest(event(1), SECRET));
    s.enqueue(userEventRequest(event(2), SECRET));
    await until(() => s.stats.delivered === 1);
    assert.deepEqual([s.stats.rejected, s.stats.delivered, receiver.requests.length], [1, 1, 2]);
  });

  it('keeps a bounded queue: the oldest events are dropped first', async () => {
    receiver.requests.length = 0;
    receiver.respond = () => 500;
    const s = sender({ queueLimit: 3, baseBackoffMs: 10_000, maxBackoffMs: 10_000 });
    for (let i = 0; i < 6; i++) s.enqueue(userEventRequest(event(i), SECRET));
    assert.deepEqual([s.pending, s.stats.dropped], [3, 3]);
    await s.stop();
    receiver.respond = () => 200;
  });

  it('leaves the signature out when no secret is set', async () => {
    receiver.requests.length = 0;
    const s = sender();
    s.enqueue(userEventRequest(event(9), null));
    await receiver.until((r) => r.length === 1);
    assert.equal(receiver.requests[0]?.headers[SIGNATURE_HEADER], undefined);
  });
});
