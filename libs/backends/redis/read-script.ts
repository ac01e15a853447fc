/**
 * Reads the live entries after an offset. KEYS: seq, log, epoch. ARGV: after, limit, ttl ms,
 * asked epoch ('' = none), new epoch, empty-topic retention ms. Another epoch than the current
 * one reads from the start. Returns {last offset, epoch, {offset, data, offset, data, …}}.
 *
 * A topic without a sequence (never published, or expired) gets one here: `seq` = 0 and a new
 * epoch, kept `empty-topic retention` (the history TTL) unless a message comes. So the answer
 * is always "offset 0 and the epoch its first message will get" (docs/protocol.md): a client
 * that saw offset 0 of epoch E and later resumes with {offset: n, epoch: E} is recognised.
 * A read of a topic that stays empty costs two small keys for one TTL.
 */
export const READ_SCRIPT = `
local epoch = redis.call('GET', KEYS[3])
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if not epoch or last < 0 then
  epoch = ARGV[5]
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[6])
  redis.call('SET', KEYS[3], epoch, 'PX', ARGV[6])
  redis.call('DEL', KEYS[2])
  return {0, epoch, {}}
end
if last == 0 then return {0, epoch, {}} end
local after = tonumber(ARGV[1])
if ARGV[4] ~= '' and ARGV[4] ~= epoch then after = 0 end
local time = redis.call('TIME')
local cutoff = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[3])
local left = tonumber(ARGV[2])
local out = {}
local from = after + 1
while left > 0 do
  local batch = redis.call('XRANGE', KEYS[2], string.format('%d', from) .. '-0', '+', 'COUNT', left)
  if #batch == 0 then break end
  for i = 1, #batch do
    local entry = batch[i]
    local offset = tonumber(string.match(entry[1], '^%d+'))
    local fields = entry[2]
    if tonumber(fields[4]) > cutoff then
      out[#out + 1] = offset
      out[#out + 1] = fields[1]
      out[#out + 1] = fields[2]
      left = left - 1
    end
    from = offset + 1
  end
end
return {last, epoch, out}
`;

/** The reply as read with Buffer strings (bytes data must not be decoded as UTF-8). */
export type ReadReply = [last: number, epoch: Buffer, flat: Array<number | Buffer>];
