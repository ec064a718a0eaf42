export type { IORedisClient, NodeRedisClient, RedisClient } from './client.js';
export { RedisStoreError, RedisStoreErrorCode } from './errors.js';
export type { RedisStateStoreEvents, RedisStateStoreOptions } from './store.js';
export { RedisStateStore } from './store.js';
