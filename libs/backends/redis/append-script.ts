import { encodeMessageFrame, type MessageData, writeBinaryMessageHead } from '@switchboard/protocol';
import type { RedisHistoryKeys } from './redis-keys.js';

/**
 * The one Lua script that stores a message and publishes it, atomically (the shard runs one
 * script at a time, and one connection's scripts in the order they were sent).
 * KEYS: seq, log, epoch. ARGV: data, new epoch, size, ttl ms, retention ms, channel,
 * publish command (PUBLISH | SPUBLISH), frame head, frame middle, frame tail, data kind (`d`:
 * JSON text, `b`: bytes).
 *
 * The offset comes from INCR on `seq`. A missing `seq` key (never written, or expired) or a
 * missing epoch starts a new sequence: offset 1 under a new epoch, and any log left from an
 * older sequence goes. `seq` = 0 with an epoch is a sequence a read created (see
 * read-script.ts): its first message gets that epoch, as the reader was told. The entry id is
 * `<offset>-0`, so `since` is a range read; the data is its field `d` (JSON text) or `b`
 * (bytes: Lua strings are binary-safe), so JSON messages are stored as before. The log lives
 * `ttl` after the last append (older entries are dead anyway); seq and epoch expire together
 * after `retention`. The published bytes are exactly `encodeMessage(topic, offset, data)`: for
 * bytes the offset is written as the binary frame's u64 (libs/protocol binary-frame.ts).
 */
export const APPEND_SCRIPT = `
local epoch = redis.call('GET', KEYS[3])
local offset
if epoch and redis.call('EXISTS', KEYS[1]) == 1 then
  offset = redis.call('INCR', KEYS[1])
  if offset == 1 then redis.call('DEL', KEYS[2]) end
else
  offset = 1
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], 1)
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[2])
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local id = string.format('%d', offset)
local written = id
if ARGV[11] == 'b' then
  local b, n = {}, offset
  for i = 8, 1, -1 do
    b[i] = n % 256
    n = math.floor(n / 256)
  end
  written = string.char(unpack(b))
end
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], id .. '-0', ARGV[11], ARGV[1], 't', string.format('%d', now))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call(ARGV[7], ARGV[6], ARGV[8] .. written .. ARGV[9] .. ARGV[1] .. ARGV[10])
return {offset, epoch}
`;

export type AppendReply = [offset: number, epoch: string];

export interface AppendSettings {
  size: number;
  ttlMs: number;
  retentionMs: number;
  publishCommand: 'PUBLISH' | 'SPUBLISH';
}

/**
 * The bytes message frame around the offset and the data: the head (kind, topic) alone, the
 * script writes the u64 offset after it and the payload follows.
 */
export function binaryFrameHead(topic: string): Buffer {
  const frame = Buffer.alloc(topic.length + 10);
  return frame.subarray(0, writeBinaryMessageHead(frame, topic, null) - 8);
}

/** The template of the `message` frame around the offset and the data, from the encoder itself. */
export function frameParts(topic: string): [head: string, middle: string, tail: string] {
  const probe = encodeMessageFrame(topic, 0, '\u0001');
  const dataAt = probe.lastIndexOf('\u0001');
  const beforeData = probe.slice(0, dataAt);
  const offsetAt = beforeData.lastIndexOf('0');
  return [beforeData.slice(0, offsetAt), beforeData.slice(offsetAt + 1), probe.slice(dataAt + 1)];
}

/** KEYS and ARGV of one APPEND_SCRIPT call. */
export function appendArguments(
  keys: RedisHistoryKeys,
  channel: string,
  topic: string,
  data: MessageData,
  newEpoch: string,
  settings: AppendSettings,
): Array<string | number | Buffer> {
  const bytes = typeof data !== 'string';
  const [head, middle, tail] = bytes ? [binaryFrameHead(topic), '', ''] : frameParts(topic);
  return [
    keys.seq,
    keys.log,
    keys.epoch,
    // ioredis sends a Buffer as it is (a plain Uint8Array it would not).
    bytes ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : data,
    newEpoch,
    settings.size,
    settings.ttlMs,
    settings.retentionMs,
    channel,
    settings.publishCommand,
    head,
    middle,
    tail,
    bytes ? 'b' : 'd',
  ];
}
