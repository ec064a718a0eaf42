export type { IORedisClient, NodeRedisClient, RedisClient } from './client.js';
export { RedisStoreError, RedisStoreErrorCode } from './errors.js';
export type { RedisStateStoreOptions } from './options.js';
export type { RedisStateStoreEvents } from './store.js';
export { RedisStateStore } from './store.js';
