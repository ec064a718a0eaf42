import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../src/redis/index.js';

// Validation happens before any connection is made: no Redis needed.
const client = new Redis({ lazyConnect: true });

describe('RedisStateStore', () => {
  it('rejects a value that is neither an ioredis nor a node-redis client', () => {
    expect(() => new RedisStateStore({ client: {} as never })).toThrow(/Expected `client` to be an ioredis or node-redis client/);
  });

  it('names an unknown option and suggests the close one', () => {
    expect(() => new RedisStateStore({ client, comandTimeout: 5 } as never)).toThrow(
      /Unknown RedisStateStore option `comandTimeout` \(did you mean `commandTimeout`\?\)/,
    );
  });

  it('rejects durations that are not positive', () => {
    expect(() => new RedisStateStore({ client, commandTimeout: 0 })).toThrow(RangeError);
    expect(() => new RedisStateStore({ client, leaseTtl: -1 })).toThrow(
      /Expected `leaseTtl` to be a finite number of milliseconds > 0, got `-1`/,
    );
    expect(() => new RedisStateStore({ client, reconcileInterval: '5s' as never })).toThrow(TypeError);
  });

  it('rejects an empty prefix and a subscriber of another library', () => {
    expect(() => new RedisStateStore({ client, prefix: '' })).toThrow(/Expected `prefix` to be a non-empty string/);
    const nodeRedisLike = { isOpen: false, sendCommand: () => Promise.resolve(null) };
    expect(() => new RedisStateStore({ client, subscriber: nodeRedisLike as never })).toThrow(
      /Expected `subscriber` to be a client of the same library/,
    );
  });
});
