import { encodeMessageBytes, envelopeLength, isBinaryMessage, type MessageData, readEnvelope } from '@switchboard/protocol';
import { BinaryMessage } from './binary-message.js';
import { TextMessage } from './text-message.js';

/**
 * A message on its way to local subscribers (`Transport.sendMessage`), built once and shared by
 * all of them. Its `kind` tells a transport how to encode it: `text` is a JSON `message` frame
 * (TextMessage), `binary` a bytes message's binary frame (BinaryMessage). A new kind joins this union and brings its own shared encodings; every kind
 * offers `payload` (its size counts against send buffers), `topic`, `offset`, `envelope` and
 * `wsFrame` (the WebSocket frame every subscriber gets).
 */
export type OutboundMessage = TextMessage | BinaryMessage;

/**
 * A message as it came off the bus: the envelope, when there is one, is read and cut off (a view,
 * no copy); the first byte of the frame tells bytes (binary frame) from JSON (`{`).
 */
export function messageFromBus(bytes: Uint8Array): OutboundMessage {
  const length = envelopeLength(bytes);
  const frame = length === 0 ? bytes : bytes.subarray(length);
  const envelope = length === 0 ? null : readEnvelope(bytes);
  return isBinaryMessage(frame) ? new BinaryMessage(frame, envelope) : new TextMessage(frame, envelope);
}

/** A history entry (replay, gap repair) as a message of its kind. */
export function messageFromHistory(topic: string, offset: number, data: MessageData): OutboundMessage {
  const frame = encodeMessageBytes(topic, offset, data);
  return typeof data === 'string' ? new TextMessage(frame) : new BinaryMessage(frame);
}
