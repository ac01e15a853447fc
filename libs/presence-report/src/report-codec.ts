import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  type DeltaTopicEntry,
  type FullTopicEntry,
  type PresenceReport,
  REPORT_VERSION,
  type ReportHeader,
  type SyncRequest,
} from './report.js';

/**
 * Bytes on the bus: a report is JSON. Up to COMPRESS_OVER bytes it travels as is (first byte
 * `{`); larger, as one marker byte 0x01 followed by the raw-deflated JSON. Topic names repeat
 * their prefixes, so a full report compresses about 4 to 8 times.
 */
export const COMPRESS_OVER = 1024;
const DEFLATED = 0x01;
const OPEN_BRACE = 0x7b;
/** Largest inflated report accepted (a decompression bomb is refused, not inflated). */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Encodes a report or a sync request for the bus. */
export function encodeReport(report: PresenceReport | SyncRequest): Uint8Array {
  // Empty user lists of a delta are left out (the decoder reads a missing list as empty).
  const compact =
    report.kind === 'delta'
      ? {
          ...report,
          usersOn: report.usersOn.length > 0 ? report.usersOn : undefined,
          usersOff: report.usersOff.length > 0 ? report.usersOff : undefined,
        }
      : report;
  const json = Buffer.from(JSON.stringify(compact));
  if (json.length <= COMPRESS_OVER) return json;
  const deflated = deflateRawSync(json, { level: 6 });
  const out = Buffer.allocUnsafe(deflated.length + 1);
  out[0] = DEFLATED;
  deflated.copy(out, 1);
  return out;
}

function jsonOf(bytes: Uint8Array): unknown {
  try {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf[0] === OPEN_BRACE) return JSON.parse(buf.toString('utf8'));
    if (buf[0] === DEFLATED) return JSON.parse(inflateRawSync(buf.subarray(1), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8'));
  } catch {
    // malformed: refused below
  }
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** Longest node id, topic or user name a report may carry (the builder leaves longer users out). */
export const MAX_NAME_LENGTH = 1024;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_LENGTH;
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every(isName);
/** An optional array field: absent means empty. */
const namesOr = (v: unknown): string[] | null => (v === undefined ? [] : isNames(v) ? v : null);

function header(o: Record<string, unknown>): ReportHeader | null {
  const { v, node, inc, seq, at, interval, conns, subs, deliveries } = o;
  if (v !== REPORT_VERSION || !isName(node) || !isName(inc) || !isCount(seq) || !isCount(at)) return null;
  if (!isCount(interval) || interval === 0 || !isCount(conns) || !isCount(subs) || !isCount(deliveries)) return null;
  return { v, node, inc, seq, at, interval, conns, subs, deliveries };
}

function fullTopics(v: unknown): FullTopicEntry[] | null {
  if (!Array.isArray(v)) return null;
  for (const e of v) {
    if (!Array.isArray(e) || e.length < 2 || e.length > 3 || !isName(e[0]) || !isCount(e[1])) return null;
    if (e.length === 3 && !isNames(e[2])) return null;
  }
  return v as FullTopicEntry[];
}

function deltaTopics(v: unknown): DeltaTopicEntry[] | null {
  if (!Array.isArray(v)) return null;
  for (const e of v) {
    if (!Array.isArray(e) || e.length < 2 || e.length > 4 || !isName(e[0]) || !isCount(e[1])) return null;
    if ((e.length >= 3 && !isNames(e[2])) || (e.length === 4 && !isNames(e[3]))) return null;
  }
  return v as DeltaTopicEntry[];
}

/** Decodes a report; null when the bytes are not a valid report of this version. */
export function decodeReport(bytes: Uint8Array): PresenceReport | null {
  const o = jsonOf(bytes);
  if (!isRecord(o)) return null;
  const h = header(o);
  if (h === null) return null;
  switch (o.kind) {
    case 'full': {
      const topics = fullTopics(o.topics);
      const users = namesOr(o.users);
      const { part, parts } = o;
      if (topics === null || users === null || !isCount(part) || !isCount(parts) || part >= parts) return null;
      return { ...h, kind: 'full', part, parts, topics, users };
    }
    case 'delta': {
      const topics = deltaTopics(o.topics ?? []);
      const usersOn = namesOr(o.usersOn);
      const usersOff = namesOr(o.usersOff);
      if (topics === null || usersOn === null || usersOff === null) return null;
      return { ...h, kind: 'delta', topics, usersOn, usersOff };
    }
    case 'bye':
      return { ...h, kind: 'bye' };
    default:
      return null;
  }
}

/** Decodes a sync request; null when the bytes are not one. */
export function decodeSyncRequest(bytes: Uint8Array): SyncRequest | null {
  const o = jsonOf(bytes);
  if (!isRecord(o) || o.v !== REPORT_VERSION || o.kind !== 'sync' || !isName(o.from)) return null;
  if (o.node !== null && !isName(o.node)) return null;
  return { v: REPORT_VERSION, kind: 'sync', from: o.from, node: o.node };
}
