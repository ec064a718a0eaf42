export type { IORedisClient, NodeRedisClient, RedisClient } from './client.js';
export { RedisStoreError, RedisStoreErrorCode } from './errors.js';
export type { RedisStateStoreEvents } from './events.js';
export type { RedisStateStoreOptions } from './options.js';
export { RedisStateStore } from './store.js';
