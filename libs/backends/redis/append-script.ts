import { encodeMessageFrame, type MessageData, writeBinaryMessageHead } from '@switchboard/protocol';
import type { RedisHistoryKeys } from './redis-keys.js';

/**
 * The one Lua script that stores messages of one topic and publishes them, atomically (the
 * shard runs one script at a time, and one connection's scripts in the order they were sent).
 * KEYS: seq, log, epoch. ARGV: new epoch, size, ttl ms, retention ms, channel, publish command
 * (PUBLISH | SPUBLISH), JSON frame head, middle and tail, bytes frame head (empty when no
 * message is bytes), the count n of messages, then per message its data kind (`d`: JSON text,
 * `b`: bytes), its bus envelope (bytes put before the frame, usually empty) and its data.
 *
 * The n messages get consecutive offsets, in ARGV order, from INCRBY on `seq`; the reply is the
 * first offset and the epoch. A missing `seq` key (never written, or expired) or a missing
 * epoch starts a new sequence: offsets from 1 under a new epoch, and any log left from an
 * older sequence goes. `seq` = 0 with an epoch is a sequence a read created (see
 * read-script.ts): its first message gets that epoch, as the reader was told. The entry id is
 * `<offset>-0`, so `since` is a range read; the data is its field `d` (JSON text) or `b`
 * (bytes: Lua strings are binary-safe). The log is trimmed to `size` (exact) once per call,
 * after the call's entries are added: one XTRIM instead of a MAXLEN on each XADD (the same
 * entries remain, and the script is atomic). The log lives `ttl` after the last append (older
 * entries are dead anyway); seq and epoch expire together after `retention`. The published
 * bytes are exactly the envelope followed by `encodeMessage(topic, offset, data)`: for bytes
 * the offset is written as the binary frame's u64 (libs/protocol binary-frame.ts).
 */
export const APPEND_SCRIPT = `
local n = tonumber(ARGV[11])
local epoch = redis.call('GET', KEYS[3])
local first
if epoch and redis.call('EXISTS', KEYS[1]) == 1 then
  first = redis.call('INCRBY', KEYS[1], n) - n + 1
  if first == 1 then redis.call('DEL', KEYS[2]) end
else
  first = 1
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], n)
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[2])
end
local time = redis.call('TIME')
local now = string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
for i = 0, n - 1 do
  local offset = first + i
  local id = string.format('%d', offset)
  local kind = ARGV[12 + 3 * i]
  local data = ARGV[14 + 3 * i]
  redis.call('XADD', KEYS[2], id .. '-0', kind, data, 't', now)
  local frame
  if kind == 'b' then
    local b, m = {}, offset
    for j = 8, 1, -1 do
      b[j] = m % 256
      m = math.floor(m / 256)
    end
    frame = ARGV[10] .. string.char(unpack(b)) .. data
  else
    frame = ARGV[7] .. id .. ARGV[8] .. data .. ARGV[9]
  end
  redis.call(ARGV[6], ARGV[5], ARGV[13 + 3 * i] .. frame)
end
redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {first, epoch}
`;

/** The first message's offset (the others follow it) and the epoch. */
export type AppendReply = [first: number, epoch: string];

/** One message of an append call: its data and the bus envelope put before its frame. */
export interface AppendMessage {
  data: MessageData;
  envelope: Buffer | undefined;
}

/** The frame templates of a topic: the JSON frame's head, middle and tail, and the bytes frame's head. */
export interface FrameTemplates {
  text: readonly [head: string, middle: string, tail: string];
  binaryHead: Buffer;
}

/** The frame templates of `topic` (see APPEND_SCRIPT). */
export function frameTemplates(topic: string): FrameTemplates {
  return { text: frameParts(topic), binaryHead: binaryFrameHead(topic) };
}

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

/** KEYS and ARGV of one APPEND_SCRIPT call storing `messages` (at least one) in order. */
export function appendArguments(
  keys: RedisHistoryKeys,
  channel: string,
  frames: FrameTemplates,
  messages: readonly AppendMessage[],
  newEpoch: string,
  settings: AppendSettings,
): Array<string | number | Buffer> {
  const [head, middle, tail] = frames.text;
  const args: Array<string | number | Buffer> = [
    keys.seq,
    keys.log,
    keys.epoch,
    newEpoch,
    settings.size,
    settings.ttlMs,
    settings.retentionMs,
    channel,
    settings.publishCommand,
    head,
    middle,
    tail,
    // Only a call with bytes needs the bytes head: without any Buffer argument (text, no
    // envelope) ioredis writes the command as one string, half the cost of its Buffer path.
    messages.some(isBytes) ? frames.binaryHead : '',
    messages.length,
  ];
  for (const { data, envelope } of messages) {
    // ioredis sends a Buffer as it is (a plain Uint8Array it would not).
    if (typeof data === 'string') args.push('d', envelope ?? '', data);
    else args.push('b', envelope ?? '', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return args;
}

const isBytes = (message: AppendMessage): boolean => typeof message.data !== 'string';
