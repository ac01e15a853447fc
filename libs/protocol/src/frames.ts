import type { ErrorCode } from './codes.js';
import type { MessageData } from './message-data.js';

/** Where a subscriber left off: the last offset it saw and the epoch that offset belongs to. */
export interface StreamPosition {
  offset: number;
  epoch?: string;
}

export interface ConnectFrame {
  op: 'connect';
  id?: number;
  token: string;
}
export interface SubscribeFrame {
  op: 'subscribe';
  id?: number;
  topic: string;
  since?: StreamPosition;
}
export interface UnsubscribeFrame {
  op: 'unsubscribe';
  id?: number;
  topic: string;
}
export interface PublishFrame {
  op: 'publish';
  id?: number;
  topic: string;
  /**
   * The `data` value exactly as the client sent it: JSON text (never re-serialised) from a text
   * frame, the payload bytes from a binary publish frame (binary-frame.ts).
   */
  data: MessageData;
}
export interface RefreshFrame {
  op: 'refresh';
  id?: number;
  token: string;
}
export interface PongFrame {
  op: 'pong';
  id?: number;
}

export type ClientFrame = ConnectFrame | SubscribeFrame | UnsubscribeFrame | PublishFrame | RefreshFrame | PongFrame;
export type ClientOp = ClientFrame['op'];

export interface WelcomeFrame {
  op: 'welcome';
  session: string;
  node: string;
  heartbeat: number;
}
export interface SubscribeAckFrame {
  op: 'ack';
  id?: number;
  topic: string;
  offset: number | null;
  epoch: string | null;
  recovered?: boolean;
}
export interface PublishAckFrame {
  op: 'ack';
  id?: number;
  offset: number | null;
  epoch?: string | null;
}
export interface UnsubscribeAckFrame {
  op: 'ack';
  id?: number;
  topic: string;
}
export interface MessageFrame {
  op: 'message';
  topic: string;
  offset: number | null;
  data: unknown;
}
export interface ErrorFrame {
  op: 'error';
  id?: number;
  code: ErrorCode;
  message: string;
}
export interface PingFrame {
  op: 'ping';
}
export interface ReconnectFrame {
  op: 'reconnect';
  after: number;
}

export type ServerFrame =
  | WelcomeFrame
  | SubscribeAckFrame
  | PublishAckFrame
  | UnsubscribeAckFrame
  | MessageFrame
  | ErrorFrame
  | PingFrame
  | ReconnectFrame;

/**
 * The frames a server sends about the connection itself (everything but `message`): a transport
 * encodes them for its wire. Messages are built once per message and shared (`encodeMessageFrame`).
 */
export type ControlFrame = Exclude<ServerFrame, MessageFrame>;
