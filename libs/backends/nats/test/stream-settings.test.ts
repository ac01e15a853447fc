import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { JetStreamHistory } from '../jetstream-history.js';

describe('HISTORY_REPLICAS against an existing history stream', { timeout: 30_000 }, () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startNats({ jetstream: true });
  });
  after(async () => {
    await broker?.stop();
  });

  it('stops at start-up with one line naming HISTORY_REPLICAS when the stream has other replicas', async () => {
    const prefix = `r${process.pid}`;
    const first = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix, replicas: 1 });
    await first.close();
    const err = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix, replicas: 3 }).then(
      () => assert.fail('connected although the stream has 1 replica'),
      (e: Error) => e,
    );
    assert.equal(err.name, 'ConfigError');
    assert.match(err.message, /^invalid HISTORY_REPLICAS \(got "3"\): JetStream stream R\d+_HISTORY has 1 replica/);
    assert.match(err.message, /nats stream edit R\d+_HISTORY --replicas 3/);
    assert.ok(!err.message.includes('\n'), 'one line');
    // The same settings as the stream's are fine.
    const again = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix, replicas: 1 });
    await again.close();
  });
});
