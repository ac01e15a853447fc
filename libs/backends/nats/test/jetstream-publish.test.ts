import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { connect, headers, type NatsConnection, NatsError } from 'nats';
import { EXPECTED_LAST_SEQUENCE, MSG_ID, WRONG_LAST_SEQUENCE } from '../jetstream-names.js';
import { JetStreamPublisher } from '../jetstream-publish.js';

/** The publisher the JetStream appender uses: the outcomes `js.publish` would give, without its per-request cost. */
describe('JetStreamPublisher', () => {
  let broker: BrokerHandle;
  let nc: NatsConnection;
  const stream = `JP${process.pid}`;
  before(async () => {
    broker = await startNats({ jetstream: true });
    nc = await connect({ servers: broker.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`jp${process.pid}.>`], duplicate_window: 60_000_000_000 });
  });
  after(async () => {
    await nc?.close();
    await broker?.stop();
  });
  const subject = (s: string) => `jp${process.pid}.${s}`;

  it('resolves with the ack, reports a duplicate message id, and refuses a failed expectation with its API error', async () => {
    const publisher = new JetStreamPublisher(nc, 5000);
    try {
      const h = headers();
      h.set(MSG_ID, 'one');
      const first = await publisher.publish(subject('a'), Buffer.from('1'), h);
      assert.deepEqual([first.stream, first.duplicate], [stream, false]);
      const again = await publisher.publish(subject('a'), Buffer.from('1'), h);
      assert.deepEqual([again.seq, again.duplicate], [first.seq, true]);
      const wrong = headers();
      wrong.set(EXPECTED_LAST_SEQUENCE, String(first.seq + 10));
      await assert.rejects(publisher.publish(subject('a'), Buffer.from('2'), wrong), (err: unknown) => {
        assert.ok(err instanceof NatsError);
        assert.equal(err.api_error?.err_code, WRONG_LAST_SEQUENCE);
        return true;
      });
      // Many in flight at once, answered in any order, each to its own caller.
      const acks = await Promise.all(
        Array.from({ length: 200 }, (_, i) => publisher.publish(subject('b'), Buffer.from(String(i)), headers())),
      );
      const seqs = acks.map((a) => a.seq);
      assert.equal(new Set(seqs).size, 200);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        'one connection: stored in the order sent',
      );
    } finally {
      publisher.close(new Error('done'));
    }
  });

  it('rejects with 503 when no stream listens, with TIMEOUT when nothing answers, and at once on failAll', async () => {
    const publisher = new JetStreamPublisher(nc, 300);
    const silent = nc.subscribe('silent.>'); // a responder that never replies
    try {
      await assert.rejects(publisher.publish('nobody.listens', Buffer.from('x'), headers()), (err: unknown) => {
        assert.ok(err instanceof NatsError);
        assert.equal(err.code, '503');
        return true;
      });
      const started = Date.now();
      await assert.rejects(publisher.publish('silent.x', Buffer.from('x'), headers()), (err: unknown) => {
        assert.ok(err instanceof NatsError);
        assert.equal(err.code, 'TIMEOUT');
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 300 && waited < 2000, `timed out after ${waited} ms`);
      const pending = publisher.publish('silent.y', Buffer.from('y'), headers());
      publisher.failAll(new Error('connection lost'));
      await assert.rejects(pending, /connection lost/);
    } finally {
      silent.unsubscribe();
      publisher.close(new Error('done'));
    }
  });
});
