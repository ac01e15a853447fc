import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HistoryUnavailableError, idempotencyKey } from '@switchboard/history';
import { encodeBusMessage, encodeEnvelope, encodeMessage } from '@switchboard/protocol';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { connect, headers } from 'nats';
import { openBackend } from '../../open-backend.js';
import { JetStreamHistory } from '../jetstream-history.js';
import { decodeRecord, encodeRecord, MAX_RECORD_BYTES, needsFraming } from '../jetstream-record.js';
import type { NatsBus } from '../nats-bus.js';

let stores = 0;
const freshPrefix = () => `jr${process.pid}x${Date.now().toString(36)}x${stores++}`;

const none = Buffer.alloc(0);

describe('jetstream records: codec', () => {
  it('round-trips text and bytes messages with their offsets and envelopes', () => {
    const bytes = randomBytes(300);
    const envelope = randomBytes(34);
    const items = [
      { payload: Buffer.from('{"a":1}'), bytes: false, envelope: none },
      { payload: bytes, bytes: true, envelope },
      { payload: Buffer.alloc(0), bytes: true, envelope: none },
      { payload: Buffer.from('"é"'), bytes: false, envelope },
    ];
    const entries = decodeRecord(encodeRecord(items), 41, String(items.length), '');
    assert.deepEqual(entries, [
      { offset: 41, data: '{"a":1}', envelope: none },
      { offset: 42, data: bytes, envelope },
      { offset: 43, data: Buffer.alloc(0), envelope: none },
      { offset: 44, data: '"é"', envelope },
    ]);
  });

  it('reads an unframed record (no Sb-Count) as the message itself, Sb-Kind marking bytes', () => {
    assert.deepEqual(decodeRecord(Buffer.from('"x"'), 7, '', ''), [{ offset: 7, data: '"x"', envelope: none }]);
    assert.deepEqual(decodeRecord(Buffer.from([1, 2]), 7, '', 'bytes'), [{ offset: 7, data: Buffer.from([1, 2]), envelope: none }]);
  });

  it('frames several messages, or one with an envelope unless it is too large to carry one', () => {
    const envelope = randomBytes(34);
    const small = { payload: Buffer.from('1'), bytes: false, envelope: none };
    assert.equal(needsFraming([small]), false);
    assert.equal(needsFraming([small, small]), true);
    assert.equal(needsFraming([{ ...small, envelope }]), true);
    assert.equal(needsFraming([{ payload: Buffer.alloc(MAX_RECORD_BYTES + 1), bytes: true, envelope }]), false);
  });

  it('refuses records that do not parse, with a HistoryUnavailableError', () => {
    const good = encodeRecord([
      { payload: Buffer.from('1'), bytes: false, envelope: none },
      { payload: Buffer.from('2'), bytes: false, envelope: Buffer.from([1, 2, 3]) },
    ]);
    const cases: Array<[Uint8Array, string]> = [
      [good, '3'], // fewer messages than the count
      [good.subarray(0, good.length - 1), '2'], // truncated
      [Buffer.concat([good, Buffer.from([0])]), '2'], // trailing bytes
      [Buffer.from([9, 0, 0, 0, 1, 0x31]), '1'], // unknown flags
      [Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0x31]), '1'], // length past the end
      [Buffer.from([2, 200, 1, 2]), '1'], // envelope past the end
      [good, '0'],
      [good, '-1'],
      [good, '1.5'],
      [good, 'x'],
    ];
    for (const [payload, count] of cases)
      assert.throws(() => decodeRecord(payload, 1, count, ''), HistoryUnavailableError, `count ${count}, ${payload.length} bytes`);
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
        if (m?.subject.endsWith(`.h.${topic}`)) counts.push(Number(m.header.get('Sb-Count') || 1));
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

  it('holds a topic’s appends while its record is in flight and sends them as one record (group commit)', async () => {
    const store = await JetStreamHistory.connect(broker.url, { size: 1000, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      await store.append('gc', '0'); // the tip is known from here on
      const first = store.append('gc', '1');
      await new Promise((r) => setImmediate(r)); // the record of '1' is on its way
      const held = Array.from({ length: 50 }, (_, i) => store.append('gc', String(i + 2)));
      const other = store.append('gc.other', '"x"'); // another topic is not held
      const tips = await Promise.all([first, ...held, other]);
      assert.deepEqual(
        tips.map((t) => t.offset),
        [...Array.from({ length: 51 }, (_, i) => i + 2), 1],
      );
      assert.deepEqual(await recordsOf(store, 'gc'), [1, 1, 50]);
      assert.deepEqual(await recordsOf(store, 'gc.other'), [1]);
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

  it('republishes every stored message on the bus subject, in offset order, as the api would publish it', async () => {
    const prefix = freshPrefix();
    const backend = await openBackend(broker.url, { prefix, history: { size: 1000, ttlMs: 60_000 } });
    const history = backend.history as JetStreamHistory;
    try {
      const exact: Buffer[] = [];
      const wildcard: string[] = [];
      await backend.bus.subscribe('room.1', (_topic, payload) => exact.push(Buffer.from(payload)));
      await backend.bus.subscribe('room.*', (topic) => wildcard.push(topic));
      const envelope = encodeEnvelope(Date.now(), { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 });
      const datas = Array.from({ length: 50 }, (_, i) => (i % 5 === 2 ? randomBytes(16) : JSON.stringify({ i })));
      const tips = await Promise.all(datas.map((d, i) => history.append('room.1', d, undefined, i % 7 === 0 ? envelope : undefined)));
      assert.deepEqual(
        tips.map((t) => t.offset),
        datas.map((_, i) => i + 1),
      );
      await backend.bus.publish('room.1', Buffer.from('core'));
      const deadline = Date.now() + 5000;
      while (exact.length < 51 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        exact.slice(0, 50),
        datas.map((d, i) => encodeBusMessage(encodeMessage('room.1', i + 1, d), i % 7 === 0 ? envelope : Buffer.alloc(0))),
      );
      assert.deepEqual(exact[50], Buffer.from('core'), 'a core bus message is delivered as it was sent');
      assert.equal(wildcard.length, 51);
      assert.ok(wildcard.every((t) => t === 'room.1'));
      // A record that does not parse is dropped and counted, not delivered.
      const nc = await connect({ servers: broker.url });
      try {
        const h = headers();
        h.set('Sb-Offset', '51');
        h.set('Sb-Count', '3');
        nc.publish(`${prefix}.m.room.1`, Buffer.from([0, 0, 0, 0, 9]), { headers: h });
        await nc.flush();
      } finally {
        await nc.close();
      }
      const bus = backend.bus as NatsBus;
      while (bus.unreadableRecords < 2 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(bus.unreadableRecords, 2, 'once per subscription');
      assert.equal(exact.length, 51);
    } finally {
      await backend.close();
    }
  });
});
