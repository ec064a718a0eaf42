/** Codes of {@link RedisStoreError}. */
export const RedisStoreErrorCode = {
  /** Redis did not answer (down, unreachable, paused or slower than `commandTimeout`). */
  UNAVAILABLE: 'ERR_TRIPSWITCH_REDIS_UNAVAILABLE',
  /** A key of ours holds a value tripswitch did not write. */
  MALFORMED: 'ERR_TRIPSWITCH_REDIS_MALFORMED',
} as const;

/** One of the {@link RedisStoreErrorCode} values. */
export type RedisStoreErrorCode = (typeof RedisStoreErrorCode)[keyof typeof RedisStoreErrorCode];

/**
 * Reported through `RedisStateStore`'s `error` event: once when Redis stops answering (not once per
 * command), and once per key found holding a foreign value. Breakers keep deciding locally meanwhile.
 *
 * @example
 * store.on('error', (error) => log.warn({ code: error.code, key: error.key }, error.message));
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  readonly code: RedisStoreErrorCode;
  /** The key involved, for `ERR_TRIPSWITCH_REDIS_MALFORMED`. */
  readonly key: string | undefined;

  constructor(code: RedisStoreErrorCode, message: string, options?: ErrorOptions & { key?: string }) {
    super(message, options);
    this.code = code;
    this.key = options?.key;
  }
}
