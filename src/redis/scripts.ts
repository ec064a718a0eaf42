import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind every transition. Each runs atomically in Redis and reads time from the
 * server (`TIME`), so hosts with skewed clocks agree on when an open circuit is due for a probe.
 *
 * One hash per breaker name: `s` state (`open` | `half_open` | `closed`), `u` until (server ms: end of
 * the open period or of the probe lease), `a` attempt, `h` lease holder (a store id), `o` the store that
 * wrote it last, `v` version
 * (strictly increasing, at least the server time in µs, so it survives the key expiring). A closed
 * circuit leaves a short-lived tombstone carrying its version. Every write sets a TTL: the key
 * outlives its open period or lease by GRACE_MS and then disappears.
 *
 * Messages on the channel: `version|state|remainingMs|attempt|origin|name` (the name last: it may
 * contain `|`).
 */
export const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stamp = tonumber(t[1]) * 1000000 + tonumber(t[2])
local GRACE_MS = 60000
local function fmt(n) return string.format('%.0f', n) end
local function read(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return 'closed', 0, 0, '', 0 end
  if kind ~= 'hash' then return nil, 'holds a ' .. kind .. ' value, not a tripswitch state hash' end
  local f = redis.call('HMGET', key, 's', 'u', 'a', 'h', 'v')
  local s, u, a, v = f[1], tonumber(f[2]), tonumber(f[3]), tonumber(f[5])
  if (s ~= 'open' and s ~= 'half_open' and s ~= 'closed') or u == nil or a == nil or v == nil then
    return nil, 'holds a hash that is not a tripswitch state (expected fields s, u, a, v)'
  end
  return s, u, a, f[4] or '', v
end
local function malformed(key, why) return redis.error_reply('TRIPSWITCH_MALFORMED key "' .. key .. '" ' .. why) end
local function bump(v) if v + 1 > stamp then return v + 1 end return stamp end
local function publish(channel, v, s, remaining, a, origin, name)
  redis.call('PUBLISH', channel, fmt(v) .. '|' .. s .. '|' .. fmt(remaining) .. '|' .. fmt(a) .. '|' .. origin .. '|' .. name)
end
local function left(u) if u > now then return u - now end return 0 end
`;

/** KEYS[1] state; ARGV channel, origin, name, remainingMs, attempt. Opens, or keeps a longer open period (opened once). */
const open = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
local untilMs = now + tonumber(ARGV[4])
local attempt = tonumber(ARGV[5])
if s == 'open' and u >= untilMs then return {'open', fmt(v), fmt(u - now), fmt(a), 'kept'} end
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(untilMs), 'a', fmt(attempt), 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], fmt(untilMs - now + GRACE_MS))
publish(ARGV[1], v, 'open', untilMs - now, attempt, ARGV[2], ARGV[3])
return {'open', fmt(v), fmt(untilMs - now), fmt(attempt), 'set'}
`;

/**
 * KEYS[1] state; ARGV channel, origin, name, expected version. Closes, unless a peer changed the state
 * since the caller last saw it: then the peer's news wins and is returned. The caller's own writes
 * (field `o`) count as seen, even when their replies are still on the way.
 */
const close = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'closed' then return {'closed', fmt(v)} end
local by = redis.call('HGET', KEYS[1], 'o')
if v ~= tonumber(ARGV[4]) and by ~= ARGV[2] and not (s == 'half_open' and h == ARGV[2]) then
  return {'open', fmt(v), fmt(left(u)), fmt(a)}
end
v = bump(v)
redis.call('HSET', KEYS[1], 's', 'closed', 'u', '0', 'a', '0', 'h', '', 'v', fmt(v), 'o', ARGV[2])
redis.call('PEXPIRE', KEYS[1], GRACE_MS)
publish(ARGV[1], v, 'closed', 0, 0, ARGV[2], ARGV[3])
return {'closed', fmt(v)}
`;

/**
 * KEYS[1] state; ARGV origin, leaseMs, last version the caller saw. Grants the probe lease when the
 * open period (or a peer's lease) has ended; answers the open period left otherwise, or `closed`
 * when the circuit closed after the caller last looked.
 */
const acquire = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'closed' and v > tonumber(ARGV[3]) then return {'closed', fmt(v)} end
if (s == 'open' or (s == 'half_open' and h ~= ARGV[1])) and now < u then return {'open', fmt(v), fmt(u - now), fmt(a)} end
if a < 1 then a = 1 end
v = bump(v)
local lease = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 's', 'half_open', 'u', fmt(now + lease), 'a', fmt(a), 'h', ARGV[1], 'v', fmt(v), 'o', ARGV[1])
redis.call('PEXPIRE', KEYS[1], fmt(lease + GRACE_MS))
return {'granted', fmt(v), fmt(lease), fmt(a)}
`;

/** KEYS[1] state; ARGV origin. Gives the lease back: the circuit is open and due for another probe. */
const release = `${prelude}
local s, u, a, h, v = read(KEYS[1])
if s == nil then return malformed(KEYS[1], u) end
if s == 'half_open' and h == ARGV[1] then
  v = bump(v)
  redis.call('HSET', KEYS[1], 's', 'open', 'u', fmt(now), 'h', '', 'v', fmt(v), 'o', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], GRACE_MS)
end
return {'released', fmt(v)}
`;

/**
 * KEYS the states of every attached name; ARGV origin, leaseMs, then one flag per key about a lease
 * the caller holds: '1' in use (renewed), '2' idle (kept, left to expire), '0' not wanted (given back).
 * Answers per key `{state, version, remainingMs, attempt, mine}` or `{'malformed', why}`.
 */
const reconcile = `${prelude}
local out = {}
local lease = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local s, u, a, h, v = read(key)
  if s == nil then
    out[i] = {'malformed', 'key "' .. key .. '" ' .. u}
  else
    local mine = '0'
    if s == 'half_open' and h == ARGV[1] then
      if ARGV[i + 2] == '1' then
        mine = '1'
        u = now + lease
        redis.call('HSET', key, 'u', fmt(u))
        redis.call('PEXPIRE', key, fmt(lease + GRACE_MS))
      elseif ARGV[i + 2] == '2' then
        mine = '1'
      else
        v = bump(v)
        u = now
        s = 'open'
        redis.call('HSET', key, 's', 'open', 'u', fmt(now), 'h', '', 'v', fmt(v), 'o', ARGV[1])
        redis.call('PEXPIRE', key, GRACE_MS)
      end
    end
    out[i] = {s, fmt(v), fmt(left(u)), fmt(a), mine}
  end
end
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
export const scripts: Readonly<Record<'open' | 'close' | 'acquire' | 'release' | 'reconcile', Script>> = Object.freeze({
  open: script(open),
  close: script(close),
  acquire: script(acquire),
  release: script(release),
  reconcile: script(reconcile),
});
