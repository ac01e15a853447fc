import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { frameBinary, frameText } from '../src/transport/websocket/ws-frame.js';

// The reference framer: ws's own Sender, as ws would write an unmasked server text frame.
const Sender = (createRequire(import.meta.url)('ws') as { Sender: unknown }).Sender as {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
};

for (const [name, framer, opcode] of [
  ['frameText', frameText, 1],
  ['frameBinary', frameBinary, 2],
] as const) {
  describe(name, () => {
    for (const size of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      it(`frames a ${size}-byte payload exactly as ws does (opcode ${opcode})`, () => {
        const payload = Buffer.alloc(size, 0x61);
        const expected = Buffer.concat(Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: true, rsv1: false }));
        assert.deepEqual(framer(payload), expected);
      });
    }
  });
}
