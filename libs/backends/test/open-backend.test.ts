import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publishesOnAppend } from '@switchboard/history';
import { historyLimits, openBackend, UnsupportedBusError } from '../index.js';

describe('openBackend', () => {
  it('opens the memory bus and history for memory://', async () => {
    const backend = await openBackend('memory://', { history: { size: 10, ttlMs: 1000 } });
    assert.equal(backend.bus.kind, 'memory');
    assert.equal(backend.history?.kind, 'memory');
    assert.ok(backend.history !== null && !publishesOnAppend(backend.history));
    await backend.close();
    assert.equal(backend.bus.state, 'closed');
  });

  it('opens no history when it is off', async () => {
    const backend = await openBackend('memory://', { history: historyLimits({ HISTORY_SIZE: 0, HISTORY_TTL_MS: 1000 }) });
    assert.equal(backend.history, null);
    await backend.close();
  });

  it('refuses an unknown scheme, naming BUS_URL', async () => {
    await assert.rejects(openBackend('kafka://x:9092'), (err: Error) => err instanceof UnsupportedBusError && /BUS_URL/.test(err.message));
  });
});
