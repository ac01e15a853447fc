/**
 * Builds one unmasked, final WebSocket frame (RFC 6455 §5.2) with `opcode` around `payload`, as
 * a single buffer: what a server writes to every subscriber of a message.
 */
function frameOf(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode; // FIN + opcode
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, headerLength);
  return frame;
}

/** A text frame (opcode 1): a JSON frame. */
export function frameText(payload: Uint8Array): Buffer {
  return frameOf(0x1, payload);
}

/** A binary frame (opcode 2): a bytes message's binary frame (libs/protocol binary-frame.ts). */
export function frameBinary(payload: Uint8Array): Buffer {
  return frameOf(0x2, payload);
}
