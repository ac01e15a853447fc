import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import {
  COMPRESS_OVER,
  type DeltaReport,
  decodeReport,
  decodeSyncRequest,
  encodeReport,
  type FullReport,
  REPORT_VERSION,
  type ReportHeader,
} from '../src/index.js';

const header: ReportHeader = {
  v: REPORT_VERSION,
  node: 'edge-1',
  inc: 'abc',
  seq: 7,
  at: 1_700_000_000_000,
  interval: 2000,
  conns: 3,
  subs: 5,
  deliveries: 99,
};

describe('presence report codec', () => {
  it('round-trips a small delta as plain JSON, leaving empty user lists out', () => {
    const delta: DeltaReport = {
      ...header,
      kind: 'delta',
      topics: [
        ['a', 2],
        ['b', 0],
        ['c', 1, ['u1'], ['u2']],
      ],
      usersOn: [],
      usersOff: ['u2'],
    };
    const bytes = encodeReport(delta);
    assert.equal(bytes[0], 0x7b);
    const text = Buffer.from(bytes).toString();
    assert.ok(!text.includes('usersOn'), text);
    assert.deepEqual(decodeReport(bytes), delta);
  });

  it('an empty delta (steady state) is under 200 bytes', () => {
    const bytes = encodeReport({ ...header, kind: 'delta', topics: [], usersOn: [], usersOff: [] });
    assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  });

  it('compresses reports over the threshold and inflates them back', () => {
    const topics: FullReport['topics'] = Array.from({ length: 2000 }, (_, i) => [
      `chat.room-${i}`,
      (i % 7) + 1,
      i % 3 === 0 ? [`user-${i}`] : undefined,
    ]).map(([t, n, u]) => (u === undefined ? [t, n] : [t, n, u]) as FullReport['topics'][number]);
    const full: FullReport = { ...header, kind: 'full', part: 0, parts: 1, topics, users: ['user-1', 'user-2'] };
    const json = JSON.stringify(full).length;
    const bytes = encodeReport(full);
    assert.ok(json > COMPRESS_OVER);
    assert.equal(bytes[0], 0x01);
    assert.ok(bytes.length * 4 < json, `${bytes.length} compressed vs ${json}`);
    assert.deepEqual(decodeReport(bytes), full);
  });

  it('refuses malformed reports instead of throwing', () => {
    const bad: unknown[] = [
      'not json',
      '[]',
      { ...header, v: 2, kind: 'bye' },
      { ...header, seq: -1, kind: 'bye' },
      { ...header, interval: 0, kind: 'bye' },
      { ...header, node: '', kind: 'bye' },
      { ...header, kind: 'nope' },
      { ...header, kind: 'full', part: 1, parts: 1, topics: [], users: [] },
      { ...header, kind: 'full', part: 0, parts: 1, topics: [['a', -1]], users: [] },
      { ...header, kind: 'full', part: 0, parts: 1, topics: [['a', 1, [3]]], users: [] },
      { ...header, kind: 'delta', topics: [['a']] },
      { ...header, kind: 'delta', topics: [], usersOn: 'u' },
    ];
    for (const value of bad) {
      const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
      assert.equal(decodeReport(bytes), null, JSON.stringify(value));
    }
    assert.equal(decodeReport(Buffer.from([0x01, 0xff, 0x00])), null);
    assert.equal(decodeReport(Buffer.alloc(0)), null);
    // A bomb: 100 MB of zeros inflates past the limit and is refused.
    const bomb = Buffer.concat([Buffer.from([0x01]), deflateRawSync(Buffer.alloc(100 * 1024 * 1024, 0x20))]);
    assert.equal(decodeReport(bomb), null);
  });

  it('round-trips sync requests', () => {
    for (const node of [null, 'edge-2']) {
      const bytes = encodeReport({ v: REPORT_VERSION, kind: 'sync', from: 'presence-1', node });
      assert.deepEqual(decodeSyncRequest(bytes), { v: REPORT_VERSION, kind: 'sync', from: 'presence-1', node });
    }
    assert.equal(decodeSyncRequest(Buffer.from('{"v":1,"kind":"sync","node":null}')), null);
  });
});
