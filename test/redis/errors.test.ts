import { describe, expect, it } from 'vitest';
import { asStoreError, RedisStoreError, RedisStoreErrorCode } from '../../src/redis/errors.js';
import { parseKeyReply, parseMessage } from '../../src/redis/reply.js';

describe('asStoreError', () => {
  it('gives cluster refusals their own code and says what to do', () => {
    for (const text of [
      'MOVED 3999 127.0.0.1:7001',
      "CROSSSLOT Keys in request don't hash to the same slot",
      'CLUSTERDOWN The cluster is down',
    ]) {
      const error = asStoreError(new Error(text));
      expect(error.code).toBe(RedisStoreErrorCode.CLUSTER);
      expect(error.message).toContain(text);
      expect(error.message).toContain("hash tag such as '{tripswitch}:'");
    }
  });

  it('gives other error replies the command code, and keeps "not now" replies and connection errors as unavailable', () => {
    expect(asStoreError(new Error("OOM command not allowed when used memory > 'maxmemory'.")).code).toBe(RedisStoreErrorCode.COMMAND);
    expect(asStoreError(new Error('NOPERM this user has no permissions to run the evalsha command')).code).toBe(
      RedisStoreErrorCode.COMMAND,
    );
    expect(asStoreError(new Error('LOADING Redis is loading the dataset in memory')).code).toBe(RedisStoreErrorCode.UNAVAILABLE);
    expect(asStoreError(new Error('connect ECONNREFUSED 127.0.0.1:6390')).code).toBe(RedisStoreErrorCode.UNAVAILABLE);
    expect(asStoreError(new Error('Connection is closed.')).code).toBe(RedisStoreErrorCode.UNAVAILABLE);
    const own = new RedisStoreError(RedisStoreErrorCode.MALFORMED, 'x');
    expect(asStoreError(own)).toBe(own);
  });
});

describe('parseKeyReply', () => {
  it('accepts what the scripts write', () => {
    expect(parseKeyReply(['open', '1733000000000000', '30000', '2', 'set'], 15_000)).toEqual({
      state: 'open',
      version: 1733000000000000,
      remainingMs: 30_000,
      attempt: 2,
      flag: 'set',
    });
  });

  it('explains every value it refuses', () => {
    expect(parseKeyReply(['sideways', '1'], 15_000)).toMatch(/unknown state/);
    expect(parseKeyReply(['open', '9007199254740993', '0', '1'], 15_000)).toMatch(/version/);
    expect(parseKeyReply(['open', '5', 'inf', '1'], 15_000)).toMatch(/open period/);
    expect(parseKeyReply(['open', '5', String(2 ** 31), '1'], 15_000)).toMatch(/open period/);
    expect(parseKeyReply(['half_open', '5', '600000', '1'], 15_000)).toMatch(/longer than leaseTtl/);
    expect(parseKeyReply(['open', '5', '10', '-1'], 15_000)).toMatch(/attempt/);
    expect(parseKeyReply('OK', 15_000)).toMatch(/unexpected script reply/);
  });
});

describe('parseMessage', () => {
  it('reads a message tripswitch writes, with a name that may contain |', () => {
    expect(parseMessage('1733000000000000|open|30000|1|store-1|a|b')).toEqual({
      version: 1733000000000000,
      origin: 'store-1',
      name: 'a|b',
    });
  });

  it('refuses absurd versions, durations and unknown states', () => {
    expect(parseMessage('9000000000000000000|closed|0|0|x|shared')).toBeUndefined();
    expect(parseMessage('5|closed|NaN|0|x|shared')).toBeUndefined();
    expect(parseMessage('5|sideways|0|0|x|shared')).toBeUndefined();
    expect(parseMessage(`5|open|${2 ** 32}|0|x|shared`)).toBeUndefined();
  });
});
