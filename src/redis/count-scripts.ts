import { createHash } from 'node:crypto';
import { prelude, type Script } from './scripts.js';

/**
 * The Lua script of shared counting. It uses the state helpers of the transition scripts (`read`,
 * `bump`, `changed`, `publish`, server time), so a fleet-wide trip is written, versioned, logged in the
 * change counter and published exactly like any open: peers take the message as a hint and re-read the
 * key, and a reconcile that missed it finds the name in the change log.
 *
 * KEYS: [1] the breaker's state hash, [2] its counts hash, [3] the sender's applied-batch marker,
 * [4] the prefix's change counter, [5] its change log. Every key carries the prefix, so a hash tag in
 * it puts them all in one Redis Cluster slot.
 *
 * The counts hash holds `e` (the state version the counts belong to: any transition starts a fresh
 * count) and, per bucket of `bucketMs` of server time, `f<index>` failures and `n<index>` calls. It
 * expires one window after its last write. A field that is not a count tripswitch writes (not an
 * integer, negative, absurdly large) is never added up: the hash is dropped and counting starts again
 * from this batch, and the reply says so (the store reports it once).
 *
 * The marker holds the highest batch `seq` applied from this sender; batches at or below it are
 * skipped, so a resent batch (its reply was lost) or a late copy of it (a client's offline queue)
 * is counted once. It outlives the window by `markerTtl`, longer than any command can be delayed. A
 * marker that is not a number, or above every `seq` of the command (a sender's `seq` only grows, and
 * each command carries its newest batch), is foreign: it is overwritten, never allowed to silence the
 * sender.
 *
 * ARGV: channel, origin, name, openMs, bucketMs, buckets, failureThreshold, failureRate (0: none),
 * minimumCalls, markerTtl, then `seq, failures, calls` per batch.
 *
 * Reply, in the shape of every key reply (validated the same way): `{state, version, remainingMs,
 * attempt, flag, failures, calls, foreign}`, the state of the key after the batch; `flag` is `tripped`
 * (this batch broke the rule: the circuit is now open for the fleet, and the open was published),
 * `counted` (the window totals are `failures`, `calls`) or `skipped` (the circuit is not closed:
 * outcomes are dropped); `foreign` names a key whose value was overwritten (`''` for none).
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
local LIMIT = 2147483647
local foreign = ''
local top, failures, calls = 0, 0, 0
for i = 11, #ARGV, 3 do
  local seq = tonumber(ARGV[i])
  if seq > top then top = seq end
end
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
if not int(last, top) then
  last = 0
  foreign = KEYS[3]
end
for i = 11, #ARGV, 3 do
  if tonumber(ARGV[i]) > last then
    failures = failures + tonumber(ARGV[i + 1])
    calls = calls + tonumber(ARGV[i + 2])
  end
end
redis.call('SET', KEYS[3], fmt(top), 'PX', ARGV[10])
if s ~= 'closed' then return {s, fmt(v), fmt(left(u)), fmt(a), 'skipped', '0', '0', foreign} end
local bucketMs, buckets = tonumber(ARGV[5]), tonumber(ARGV[6])
local current = math.floor(now / bucketMs)
if redis.call('HGET', KEYS[2], 'e') ~= fmt(v) then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'e', fmt(v))
end
local fields = {}
for b = current - buckets + 1, current do
  fields[#fields + 1] = 'f' .. b
  fields[#fields + 1] = 'n' .. b
end
local values = redis.call('HMGET', KEYS[2], unpack(fields))
local totalF, totalN = 0, 0
for i = 1, #values, 2 do
  local f, n = tonumber(values[i] or '0'), tonumber(values[i + 1] or '0')
  if not (int(f, LIMIT) and int(n, LIMIT) and f <= n) then
    foreign = KEYS[2]
    totalF, totalN = 0, 0
    redis.call('DEL', KEYS[2])
    redis.call('HSET', KEYS[2], 'e', fmt(v))
    break
  end
  totalF, totalN = totalF + f, totalN + n
end
if calls > 0 then
  redis.call('HINCRBY', KEYS[2], 'f' .. current, failures)
  redis.call('HINCRBY', KEYS[2], 'n' .. current, calls)
  totalF, totalN = totalF + failures, totalN + calls
end
-- Fields that left the window (or were never ours): dropped once they outnumber the live ones.
if redis.call('HLEN', KEYS[2]) > 4 * buckets + 1 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
    local index = tonumber(string.sub(field, 2))
    if field ~= 'e' and (index == nil or index <= current - buckets) then redis.call('HDEL', KEYS[2], field) end
  end
end
redis.call('PEXPIRE', KEYS[2], bucketMs * (buckets + 1))
local threshold, rate, minimum = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
if not (totalF >= threshold or (rate > 0 and totalN >= minimum and totalF >= rate * totalN)) then
  return {s, fmt(v), '0', fmt(a), 'counted', fmt(totalF), fmt(totalN), foreign}
end
local openMs = tonumber(ARGV[4])
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(now + openMs), 'a', '1', 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], fmt(openMs + GRACE_MS))
redis.call('DEL', KEYS[2])
changed(KEYS[4], KEYS[5], ARGV[3])
publish(ARGV[1], v, 'open', openMs, 1, ARGV[2], ARGV[3])
return {'open', fmt(v), fmt(openMs), '1', 'tripped', fmt(totalF), fmt(totalN), foreign}
`;

/** The shared counting script, with its SHA1 for EVALSHA. */
export const countScript: Script = Object.freeze({ source: count, sha: createHash('sha1').update(count).digest('hex') });
