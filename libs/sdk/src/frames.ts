/** The wire frames (see the contract), as the SDK sends and reads them. */
import { fromBase64 } from './binary.js';

export interface StreamPosition {
  offset: number;
  /** Omitted when unknown: the server then takes the offset as one of the current epoch. */
  epoch?: string;
}

export type ClientFrame =
  | { op: 'connect'; token: string }
  | { op: 'subscribe'; id?: number; topic: string; since?: StreamPosition }
  | { op: 'unsubscribe'; id?: number; topic: string }
  | { op: 'publish'; id?: number; topic: string; data: unknown }
  | { op: 'refresh'; id?: number; token: string }
  | { op: 'pong' };

/** Frames sent as requests: they get an `id` and an `ack` or `error` reply. */
export type RequestFrame = Extract<ClientFrame, { id?: number }>;

export interface WelcomeFrame {
  op: 'welcome';
  session: string;
  node: string;
  heartbeat: number;
}

/** Reply to subscribe, unsubscribe, publish and refresh; which fields are set depends on the request. */
export interface AckFrame {
  op: 'ack';
  id: number | null;
  topic: string | null;
  offset: number | null;
  epoch: string | null;
  recovered: boolean | null;
}

export interface MessageFrame {
  op: 'message';
  topic: string;
  offset: number | null;
  /** The JSON value; a Uint8Array for a bytes message (binary frame, or base64 with `"encoding":"base64"`). */
  data: unknown;
}

export interface ErrorFrame {
  op: 'error';
  id: number | null;
  code: string;
  message: string;
}

export interface PingFrame {
  op: 'ping';
}

export interface ReconnectFrame {
  op: 'reconnect';
  after: number;
}

export type ServerFrame = WelcomeFrame | AckFrame | MessageFrame | ErrorFrame | PingFrame | ReconnectFrame;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Parses one text frame; null for anything that is not a known server frame (ignored). */
export function parseServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const f = value as Record<string, unknown>;
  switch (f.op) {
    case 'message': {
      const topic = str(f.topic);
      if (topic === null) return null;
      if (f.encoding === 'base64') {
        if (typeof f.data !== 'string') return null;
        try {
          return { op: 'message', topic, offset: num(f.offset), data: fromBase64(f.data) };
        } catch {
          return null;
        }
      }
      return { op: 'message', topic, offset: num(f.offset), data: f.data };
    }
    case 'ack':
      return {
        op: 'ack',
        id: num(f.id),
        topic: str(f.topic),
        offset: num(f.offset),
        epoch: str(f.epoch),
        recovered: typeof f.recovered === 'boolean' ? f.recovered : null,
      };
    case 'ping':
      return { op: 'ping' };
    case 'welcome':
      return { op: 'welcome', session: str(f.session) ?? '', node: str(f.node) ?? '', heartbeat: Math.max(0, num(f.heartbeat) ?? 0) };
    case 'error':
      return { op: 'error', id: num(f.id), code: str(f.code) ?? 'unknown', message: str(f.message) ?? '' };
    case 'reconnect':
      return { op: 'reconnect', after: Math.max(0, num(f.after) ?? 0) };
    default:
      return null;
  }
}
