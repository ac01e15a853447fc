import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HistoryUnavailableError, idempotencyKey } from '@switchboard/history';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { connect } from 'nats';
import { JetStreamHistory } from '../jetstream-history.js';
import { countOf, decodeRecord, encodeRecord } from '../jetstream-record.js';

let stores = 0;
const freshPrefix = () => `jr${process.pid}x${Date.now().toString(36)}x${stores++}`;

describe('jetstream records: codec', () => {
  it('round-trips text and bytes messages with their offsets', () => {
    const bytes = randomBytes(300);
    const items = [
      { payload: Buffer.from('{"a":1}'), bytes: false },
      { payload: bytes, bytes: true },
      { payload: Buffer.alloc(0), bytes: true },
      { payload: Buffer.from('"é"'), bytes: false },
    ];
    const entries = decodeRecord(encodeRecord(items), 41, items.length, '');
    assert.deepEqual(entries, [
      { offset: 41, data: '{"a":1}' },
      { offset: 42, data: bytes },
      { offset: 43, data: Buffer.alloc(0) },
      { offset: 44, data: '"é"' },
    ]);
  });

  it('reads a record of one as the message itself (Sb-Kind marks bytes)', () => {
    assert.deepEqual(decodeRecord(Buffer.from('"x"'), 7, 1, ''), [{ offset: 7, data: '"x"' }]);
    assert.deepEqual(decodeRecord(Buffer.from([1, 2]), 7, 1, 'bytes'), [{ offset: 7, data: Buffer.from([1, 2]) }]);
  });

  it('refuses records that do not parse, with a HistoryUnavailableError', () => {
    const good = encodeRecord([
      { payload: Buffer.from('1'), bytes: false },
      { payload: Buffer.from('2'), bytes: false },
    ]);
    const cases: Array<[Uint8Array, number]> = [
      [good, 3], // fewer messages than the count
      [good.subarray(0, good.length - 1), 2], // truncated
      [Buffer.concat([good, Buffer.from([0])]), 2], // trailing bytes
      [Buffer.from([9, 0, 0, 0, 1, 0x31, 0, 0, 0, 0, 1, 0x32]), 2], // unknown kind
      [Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0x31]), 2], // length past the end
      [good, Number.NaN],
    ];
    for (const [payload, count] of cases) assert.throws(() => decodeRecord(payload, 1, count, ''), HistoryUnavailableError);
    assert.equal(countOf(''), 1);
    assert.equal(countOf('12'), 12);
    for (const bad of ['0', '-1', '1.5', 'x']) assert.ok(Number.isNaN(countOf(bad)));
  });
});

describe('jetstream records: history', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startNats({ jetstream: true });
  });
  after(async () => {
    await broker?.stop();
  });

  /** Stored messages and their Sb-Count headers, read straight from the stream. */
  async function recordsOf(store: JetStreamHistory, topic: string): Promise<number[]> {
    const nc = await connect({ servers: broker.url });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(store.streamName, { subjects_filter: '>' });
      const counts: number[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(store.streamName, { seq }).catch(() => null);
        if (m !== null && m.subject.endsWith(`.h.${topic}`)) counts.push(countOf(m.header.get('Sb-Count')));
      }
      return counts;
    } finally {
      await nc.close();
    }
  }

  it('stores appends of one topic made together as records, and reads every message back in order', async () => {
    const store = await JetStreamHistory.connect(broker.url, { size: 1000, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      const bytes = randomBytes(64);
      const datas = Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? bytes : JSON.stringify({ i })));
      const tips = await Promise.all(datas.map((d) => store.append('hot', d)));
      assert.deepEqual(
        tips.map((t) => t.offset),
        datas.map((_, i) => i + 1),
      );
      const counts = await recordsOf(store, 'hot');
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        300,
      );
      assert.ok(counts.length < 300 / 10, `records: ${counts.length}`);
      assert.ok(Math.max(...counts) <= 128);
      // Forward (consumer) and walk-back reads, starting inside records.
      for (const [from, limit] of [
        [0, 1000],
        [5, 40],
        [150, 3],
        [296, 10],
        [299, 10],
      ] as const) {
        const page = await store.since('hot', from, limit);
        const expected = datas.slice(from, Math.min(300, from + limit)).map((data, i) => ({ offset: from + i + 1, data }));
        assert.deepEqual(page.messages, expected, `since ${from} limit ${limit}`);
        assert.equal(page.complete, true);
        assert.equal(page.offset, 300);
      }
      // Appends after the records continue the offsets, one at a time too.
      assert.equal((await store.append('hot', '"late"')).offset, 301);
      assert.deepEqual((await store.since('hot', 299, 10)).messages, [
        { offset: 300, data: datas[299] },
        { offset: 301, data: '"late"' },
      ]);
    } finally {
      await store.close();
    }
  });

  it('returns only the newest HISTORY_SIZE offsets although a record holds more', async () => {
    const store = await JetStreamHistory.connect(broker.url, { size: 5, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.append('small', String(i + 1))));
      for (const from of [0, 20, 34]) {
        const page = await store.since('small', from, 100);
        assert.deepEqual(
          page.messages.map((m) => m.offset),
          [36, 37, 38, 39, 40],
          `since ${from}`,
        );
        assert.equal(page.complete, false);
      }
      const inside = await store.since('small', 37, 100);
      assert.deepEqual(
        inside.messages.map((m) => m.data),
        ['38', '39', '40'],
      );
      assert.equal(inside.complete, true);
    } finally {
      await store.close();
    }
  });

  it('keeps keyed appends alone (deduplicated by the server) between records of unkeyed ones', async () => {
    const store = await JetStreamHistory.connect(
      broker.url,
      { size: 1000, ttlMs: 60_000 },
      { prefix: freshPrefix(), idempotencyTtlMs: 60_000 },
    );
    try {
      const calls = Array.from({ length: 60 }, (_, i) =>
        i % 10 === 5 ? store.append('mixed', `"k${i}"`, idempotencyKey(`k${i}`, `"k${i}"`, 60_000)) : store.append('mixed', String(i)),
      );
      const tips = await Promise.all(calls);
      assert.deepEqual(
        tips.map((t) => t.offset),
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      const again = await store.append('mixed', '"k25"', idempotencyKey('k25', '"k25"', 60_000));
      assert.deepEqual({ offset: again.offset, replayed: again.replayed }, { offset: 26, replayed: true });
      const page = await store.since('mixed', 0, 100);
      assert.equal(page.messages.length, 60);
      assert.equal(page.messages[25]?.data, '"k25"');
    } finally {
      await store.close();
    }
  });
});
