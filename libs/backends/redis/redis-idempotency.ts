/**
 * Idempotent append for the Redis history: the append script (unchanged, called with one
 * message) wrapped in a Lua function, behind a check of the topic's idempotency key, all in one script call, so storing a
 * message and remembering its key is one atomic step on the topic's shard.
 *
 * KEYS: the append script's three, then the idempotency key (redisIdempotencyKey).
 * ARGV: the append script's for one message (fourteen), then fingerprint, key TTL in ms.
 * The key's value is `<fingerprint> <offset> <epoch>`; it expires after the TTL.
 * Returns {offset, epoch, 0} when stored, {offset, epoch, 1} for a repeat, {0, '', 2} for a
 * repeat with another fingerprint (nothing stored).
 */
export function idempotentAppendScript(appendScript: string): string {
  return `
local function append()
${appendScript}
end
local seen = redis.call('GET', KEYS[4])
if seen then
  local fingerprint, offset, epoch = string.match(seen, '^(%S+) (%d+) (%S+)$')
  if fingerprint ~= ARGV[15] then return {0, '', 2} end
  return {tonumber(offset), epoch, 1}
end
local stored = append()
redis.call('SET', KEYS[4], ARGV[15] .. ' ' .. string.format('%d', stored[1]) .. ' ' .. stored[2], 'PX', ARGV[16])
return {stored[1], stored[2], 0}
`;
}

/** The idempotent script's reply: offset, epoch, outcome (0 stored, 1 repeat, 2 conflict). */
export type IdempotentAppendReply = [number, string, 0 | 1 | 2];
