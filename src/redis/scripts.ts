import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind every transition. Each runs atomically in Redis and reads time from the
 * server (`TIME`), so hosts with skewed clocks agree on when an open circuit is due for a probe.
 *
 * One hash per breaker name: `s` state (`open` | `half_open` | `closed`), `u` until (server ms: end of
 * the open period or of the probe lease), `a` attempt, `h` lease holder (a store id), `o` the store that
 * wrote it last, `v` version (changes on every write: the next of the old one, or the server time in µs
 * when that is higher, so it stays below 2^53 and keeps changing when the server clock goes back). A
 * closed circuit leaves a short-lived tombstone carrying its version. Every write sets a TTL: the key
 * outlives its open period or lease by GRACE_MS and then disappears.
 *
 * Every write also increments the prefix's `changes` counter and records the name in the `changes:log`
 * sorted set (score: the count; the last LOG_SIZE names; both kept a day after the last change): a
 * reconcile reads the count, and the keys of the names changed since it last looked, or all of them
 * when the log no longer reaches back that far. An idle fleet costs one script per store and interval.
 *
 * Messages on the channel: `version|state|remainingMs|attempt|origin|name` (the name last: it may
 * contain `|`). They are hints: a store re-reads the key before it applies anything.
 *
 * Fields that are not integers in range are reported as malformed, never used in arithmetic.
 */
export const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stamp = tonumber(t[1]) * 1000000 + tonumber(t[2])
local GRACE_MS = 60000
local MAX_VERSION = 9007199254000000
local function fmt(n) return string.format('%.0f', n) end
local function int(x, max) return x ~= nil and x == x and x >= 0 and x <= max and math.floor(x) == x end
local function read(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return 'closed', 0, 0, '', 0 end
  if kind ~= 'hash' then return nil, 'holds a ' .. kind .. ' value, not a tripswitch state hash' end
  local f = redis.call('HMGET', key, 's', 'u', 'a', 'h', 'v')
  local s, u, a, v = f[1], tonumber(f[2]), tonumber(f[3]), tonumber(f[5])
  if (s ~= 'open' and s ~= 'half_open' and s ~= 'closed') or u == nil or a == nil or v == nil then
    return nil, 'holds a hash that is not a tripswitch state (expected fields s, u, a, v)'
  end
  if not (int(u, 9007199254740991) and int(a, 2147483647) and int(v, MAX_VERSION)) then
    return nil, 'holds fields out of range (u, a, v must be integers; v below 2^53)'
  end
  return s, u, a, f[4] or '', v
end
local function malformed(key, why) return redis.error_reply('TRIPSWITCH_MALFORMED key "' .. key .. '" ' .. why) end
local function bump(v) if v + 1 > stamp then return v + 1 end return stamp end
local function publish(channel, v, s, remaining, a, origin, name)
  redis.call('PUBLISH', channel, fmt(v) .. '|' .. s .. '|' .. fmt(remaining) .. '|' .. fmt(a) .. '|' .. origin .. '|' .. name)
end
local function left(u) if u > now then return u - now end return 0 end
local LOG_SIZE = 1000
local function changed(counter, log, name)
  local c = redis.call('INCR', counter)
  redis.call('ZADD', log, c, name)
  redis.call('ZREMRANGEBYRANK', log, 0, -LOG_SIZE - 1)
  redis.call('PEXPIRE', counter, 86400000)
  redis.call('PEXPIRE', log, 86400000)
end
`;

/** KEYS[1] state, KEYS[2] changes, KEYS[3] change log; ARGV channel, origin, name, remainingMs, attempt. Opens, or keeps a longer open period (opened once). */
const open = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
local untilMs = now + tonumber(ARGV[4])
local attempt = tonumber(ARGV[5])
if s == 'open' and u >= untilMs then return {'open', fmt(v), fmt(u - now), fmt(a), 'kept'} end
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(untilMs), 'a', fmt(attempt), 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], fmt(untilMs - now + GRACE_MS))
changed(KEYS[2], KEYS[3], ARGV[3])
publish(ARGV[1], v, 'open', untilMs - now, attempt, ARGV[2], ARGV[3])
return {'open', fmt(v), fmt(untilMs - now), fmt(attempt), 'set'}
`;

/**
 * KEYS[1] state, KEYS[2] changes, KEYS[3] change log; ARGV channel, origin, name, expected version. Closes, unless a peer
 * changed the state since the caller last saw it: then the peer's news wins and is returned. The
 * caller's own writes (field `o`) count as seen, even when their replies are still on the way.
 */
const close = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'closed' then return {'closed', fmt(v), '0', '0', 'kept'} end
local by = redis.call('HGET', KEYS[1], 'o')
if v ~= tonumber(ARGV[4]) and by ~= ARGV[2] and not (s == 'half_open' and h == ARGV[2]) then
  return {s, fmt(v), fmt(left(u)), fmt(a), 'kept'}
end
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'closed', 'u', '0', 'a', '0', 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], GRACE_MS)
changed(KEYS[2], KEYS[3], ARGV[3])
publish(ARGV[1], v, 'closed', 0, 0, ARGV[2], ARGV[3])
return {'closed', fmt(v), '0', '0', 'set'}
`;

/**
 * KEYS[1] state, KEYS[2] changes, KEYS[3] change log; ARGV channel, origin, name, leaseMs, last version the caller saw.
 * Grants the probe lease when the open period (or a peer's lease) has ended and publishes it; answers
 * the open period or lease left otherwise, or `closed` when the circuit closed since the caller looked.
 */
const acquire = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'closed' and v ~= 0 and fmt(v) ~= ARGV[5] then return {'closed', fmt(v), '0', '0', 'kept'} end
if (s == 'open' or (s == 'half_open' and h ~= ARGV[2])) and now < u then return {s, fmt(v), fmt(u - now), fmt(a), 'kept'} end
if a < 1 then a = 1 end
v = bump(v)
local lease = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 's', 'half_open', 'u', fmt(now + lease), 'a', fmt(a), 'h', ARGV[2], 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], fmt(lease + GRACE_MS))
changed(KEYS[2], KEYS[3], ARGV[3])
publish(ARGV[1], v, 'half_open', lease, a, ARGV[2], ARGV[3])
return {'granted', fmt(v), fmt(lease), fmt(a), 'set'}
`;

/** KEYS[1] state, KEYS[2] changes, KEYS[3] change log; ARGV channel, origin, name. Gives the lease back and publishes it: the circuit is open and due for another probe. */
const release = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'half_open' and h == ARGV[2] then
  v = bump(v)
  redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(now), 'h', '', 'v', fmt(v), 'o', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], GRACE_MS)
  changed(KEYS[2], KEYS[3], ARGV[3])
  publish(ARGV[1], v, 'open', 0, a, ARGV[2], ARGV[3])
  return {'open', fmt(v), '0', fmt(a), 'set'}
end
return {s, fmt(v), fmt(left(u)), fmt(a), 'kept'}
`;

/**
 * KEYS[1] changes, KEYS[2] change log, then the states of the names read; ARGV channel, origin, leaseMs, then per key a
 * flag about a lease the caller holds and the name (for a message): '1' a trial runs (renewed), '2'
 * idle (kept until it lapses, then given back), '0' not wanted (given back). Answers per key
 * `{state, version, remainingMs, attempt, mine}` or `{'malformed', why}`.
 */
const reconcile = `${prelude}
local out = {}
local lease = tonumber(ARGV[3])
for i = 3, #KEYS do
  local key = KEYS[i]
  local flag, name = ARGV[2 + (i - 2) * 2], ARGV[3 + (i - 2) * 2]
  local s, u, a, h, v = read(key)
  if s == nil then
    out[i - 2] = {'malformed', 'key "' .. key .. '" ' .. u}
  else
    local mine = '0'
    if s == 'half_open' and h == ARGV[2] then
      if flag == '1' then
        mine = '1'
        u = now + lease
        redis.call('HSET', key, 'u', fmt(u))
        redis.call('PEXPIRE', key, fmt(lease + GRACE_MS))
      elseif flag == '2' and now < u then
        mine = '1'
      else
        v = bump(v)
        u = now
        s = 'open'
        redis.call('HSET', key, 's', 'open', 'u', fmt(now), 'h', '', 'v', fmt(v), 'o', ARGV[2])
        redis.call('PEXPIRE', key, GRACE_MS)
        changed(KEYS[1], KEYS[2], name)
        publish(ARGV[1], v, 'open', 0, a, ARGV[2], name)
      end
    end
    out[i - 2] = {s, fmt(v), fmt(left(u)), fmt(a), mine}
  end
end
return out
`;

/**
 * KEYS[1] changes, KEYS[2] change log; ARGV the count the caller last saw ('' for none). Answers
 * `{}` when nothing was ever counted, `{count}` when it did not move, `{count, 'some', names...}` with
 * the names changed since, or `{count, 'all'}` when the log no longer reaches back that far.
 */
const changes = `
local c = redis.call('GET', KEYS[1])
if not c then return {} end
local since = tonumber(ARGV[1])
if c == ARGV[1] then return {c} end
if since == nil or tonumber(c) == nil or tonumber(c) < since then return {c, 'all'} end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if oldest[2] == nil or tonumber(oldest[2]) > since + 1 then return {c, 'all'} end
local out = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
table.insert(out, 1, 'some')
table.insert(out, 1, c)
return out
`;

/** A script with its SHA1, for EVALSHA with a fallback to EVAL. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return Object.freeze({ source, sha: createHash('sha1').update(source).digest('hex') });
}

/** The scripts, by operation. */
export const scripts: Readonly<Record<'open' | 'close' | 'acquire' | 'release' | 'reconcile' | 'changes', Script>> = Object.freeze({
  changes: script(changes),
  open: script(open),
  close: script(close),
  acquire: script(acquire),
  release: script(release),
  reconcile: script(reconcile),
});
