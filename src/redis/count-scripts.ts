import { createHash } from 'node:crypto';
import { prelude, type Script } from './scripts.js';

/**
 * The Lua script of shared counting. It uses the state helpers of the transition scripts (`read`,
 * `bump`, `publish`, server time), so a fleet-wide trip is written and published exactly like any open.
 *
 * KEYS: [1] the breaker's state hash, [2] its counts hash, [3] the sender's applied-batch marker.
 * Every key of a breaker starts with its state key, so a hash tag in the prefix (or name) puts them
 * all in one Redis Cluster slot.
 *
 * The counts hash holds `e` (the state version the counts belong to: any transition starts a fresh
 * count) and, per bucket of `bucketMs` of server time, `f<index>` failures and `n<index>` calls. It
 * expires one window after its last write.
 *
 * The marker holds the highest batch `seq` applied from this sender; batches at or below it are
 * skipped, so a resent batch (its reply was lost) or a late copy of it (a client's offline queue)
 * is counted once. It outlives the window by `markerTtl`, longer than any command can be delayed.
 *
 * ARGV: channel, origin, name, openMs, bucketMs, buckets, failureThreshold, failureRate (0: none),
 * minimumCalls, markerTtl, then `seq, failures, calls` per batch.
 *
 * Reply: `{'counted', version, failures, calls}` (window totals), `{'skipped', version}` (the circuit
 * is not closed: outcomes are dropped), or `{'tripped', version, remainingMs, attempt, failures, calls}`
 * (this batch broke the rule: the circuit is now open for the fleet, and the open was published).
 */
const count = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
for i = 2, 3 do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  local want = 'hash'
  if i == 3 then want = 'string' end
  if kind ~= 'none' and kind ~= want then return malformed(KEYS[i], 'holds a ' .. kind .. ' value, not tripswitch counts') end
end
local last = 0
local marker = redis.call('GET', KEYS[3])
if marker then
  last = tonumber(marker)
  if last == nil then return malformed(KEYS[3], 'holds a value that is not a batch number') end
end
local top, failures, calls = last, 0, 0
for i = 11, #ARGV, 3 do
  local seq, f, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if seq > last then
    failures = failures + f
    calls = calls + n
    if seq > top then top = seq end
  end
end
redis.call('SET', KEYS[3], fmt(top), 'PX', ARGV[10])
if s ~= 'closed' then return {'skipped', fmt(v)} end
local bucketMs, buckets = tonumber(ARGV[5]), tonumber(ARGV[6])
local current = math.floor(now / bucketMs)
if redis.call('HGET', KEYS[2], 'e') ~= fmt(v) then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'e', fmt(v))
end
if calls > 0 then
  redis.call('HINCRBY', KEYS[2], 'f' .. current, failures)
  redis.call('HINCRBY', KEYS[2], 'n' .. current, calls)
end
local totalF, totalN = 0, 0
local fields = {}
for b = current - buckets + 1, current do
  fields[#fields + 1] = 'f' .. b
  fields[#fields + 1] = 'n' .. b
end
local values = redis.call('HMGET', KEYS[2], unpack(fields))
for i = 1, #values, 2 do
  totalF = totalF + (tonumber(values[i]) or 0)
  totalN = totalN + (tonumber(values[i + 1]) or 0)
end
-- Buckets that left the window: drop them once they outnumber the live ones.
if redis.call('HLEN', KEYS[2]) > 4 * buckets + 1 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
    local index = tonumber(string.sub(field, 2))
    if index ~= nil and index <= current - buckets then redis.call('HDEL', KEYS[2], field) end
  end
end
redis.call('PEXPIRE', KEYS[2], bucketMs * (buckets + 1))
local threshold, rate, minimum = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
if not (totalF >= threshold or (rate > 0 and totalN >= minimum and totalF >= rate * totalN)) then
  return {'counted', fmt(v), fmt(totalF), fmt(totalN)}
end
local openMs = tonumber(ARGV[4])
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(now + openMs), 'a', '1', 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], fmt(openMs + GRACE_MS))
redis.call('DEL', KEYS[2])
publish(ARGV[1], v, 'open', openMs, 1, ARGV[2], ARGV[3])
return {'tripped', fmt(v), fmt(openMs), '1', fmt(totalF), fmt(totalN)}
`;

/** The shared counting script, with its SHA1 for EVALSHA. */
export const countScript: Script = Object.freeze({ source: count, sha: createHash('sha1').update(count).digest('hex') });
