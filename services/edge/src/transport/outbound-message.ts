import { envelopeLength, readEnvelope } from '@switchboard/protocol';
import { TextMessage } from './text-message.js';

/**
 * A message on its way to local subscribers (`Transport.sendMessage`), built once and shared by
 * all of them. Its `kind` tells a transport how to encode it: `text` is a JSON `message` frame
 * (TextMessage). A new kind joins this union and brings its own shared encodings; every kind
 * offers `payload` (its size counts against send buffers), `topic`, `offset`, `envelope` and
 * `wsFrame` (the WebSocket frame every subscriber gets).
 */
export type OutboundMessage = TextMessage;

/** A message as it came off the bus: the envelope, when there is one, is read and cut off (a view, no copy). */
export function messageFromBus(bytes: Uint8Array): OutboundMessage {
  const length = envelopeLength(bytes);
  return length === 0 ? new TextMessage(bytes) : new TextMessage(bytes.subarray(length), readEnvelope(bytes));
}
