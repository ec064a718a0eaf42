import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { expectTypeOf, test } from 'vitest';
import type { RedisClient, RedisStateStoreOptions } from '../../src/redis/index.js';

test('RedisStateStore accepts an ioredis client and a node-redis client as they are', () => {
  expectTypeOf(new Redis()).toExtend<RedisClient>();
  expectTypeOf(createClient()).toExtend<RedisClient>();
  expectTypeOf({ client: createClient(), subscriber: createClient() }).toExtend<RedisStateStoreOptions>();
  // @ts-expect-error a plain object is not a client
  const options: RedisStateStoreOptions = { client: { get: () => 1 } };
  void options;
});
