import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdempotencyConflictError, IdempotencyTable, idempotencyKey, isValidIdempotencyKey } from '../src/index.js';

describe('IdempotencyTable', () => {
  it('answers a repeat with the first result, refuses another body, forgets a failure', async () => {
    const table = new IdempotencyTable(10);
    let calls = 0;
    const publish = async () => ({ offset: ++calls, epoch: 'e' });
    assert.deepEqual(await table.run('t', idempotencyKey('k', '1', 1000), publish), { offset: 1, epoch: 'e' });
    assert.deepEqual(await table.run('t', idempotencyKey('k', '1', 1000), publish), { offset: 1, epoch: 'e', replayed: true });
    await assert.rejects(table.run('t', idempotencyKey('k', '2', 1000), publish), IdempotencyConflictError);
    await assert.rejects(table.run('u', idempotencyKey('k', '1', 1000), () => Promise.reject(new Error('down'))));
    assert.deepEqual(
      await table.run('u', idempotencyKey('k', '1', 1000), publish),
      { offset: 2, epoch: 'e' },
      'a failed publish is forgotten',
    );
  });

  it('is bounded: expired keys go, and a full table drops its oldest key early', async () => {
    let now = 0;
    const table = new IdempotencyTable(3, () => now);
    const publish = async () => ({ offset: 1, epoch: 'e' });
    for (let i = 0; i < 5; i++) await table.run('t', idempotencyKey(`k${i}`, 'd', 100), publish);
    assert.equal(table.size, 3);
    assert.equal(table.evictedEarly, 2);
    now = 100;
    await table.run('t', idempotencyKey('new', 'd', 100), publish);
    assert.equal(table.size, 1, 'every older key expired');
  });

  it('keys: 1-255 visible ASCII characters', () => {
    assert.ok(isValidIdempotencyKey('order-42:retry_1'));
    assert.ok(isValidIdempotencyKey('x'.repeat(255)));
    for (const bad of ['', 'x'.repeat(256), 'a b', 'é', 'a\nb']) assert.ok(!isValidIdempotencyKey(bad), JSON.stringify(bad));
  });
});
