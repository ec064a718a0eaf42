/** Codes of {@link RedisStoreError}. */
export const RedisStoreErrorCode = {
  /** Redis did not answer (down, unreachable, paused, loading or slower than `commandTimeout`). */
  UNAVAILABLE: 'ERR_TRIPSWITCH_REDIS_UNAVAILABLE',
  /** A key, a script reply or a channel message of ours holds a value tripswitch did not write; it is not applied. */
  MALFORMED: 'ERR_TRIPSWITCH_REDIS_MALFORMED',
  /** Redis Cluster refused a command (`MOVED`, `ASK`, `CROSSSLOT`, `CLUSTERDOWN`): a client of one node, or a prefix without a hash tag. */
  CLUSTER: 'ERR_TRIPSWITCH_REDIS_CLUSTER',
  /** Redis answered a command with another error (`NOPERM`, `OOM`, `READONLY`, ...). */
  COMMAND: 'ERR_TRIPSWITCH_REDIS_COMMAND',
} as const;

/** One of the {@link RedisStoreErrorCode} values. */
export type RedisStoreErrorCode = (typeof RedisStoreErrorCode)[keyof typeof RedisStoreErrorCode];

/**
 * Reported through `RedisStateStore`'s `error` event: once when Redis stops answering or refuses our
 * commands (not once per command), and once per key or channel found holding a foreign value. Breakers
 * keep deciding locally meanwhile.
 *
 * @example
 * store.on('error', (error) => log.warn({ code: error.code, key: error.key }, error.message));
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  readonly code: RedisStoreErrorCode;
  /** The key (or channel) involved, for `ERR_TRIPSWITCH_REDIS_MALFORMED`. */
  readonly key: string | undefined;

  constructor(code: RedisStoreErrorCode, message: string, options?: ErrorOptions & { key?: string }) {
    super(message, options);
    this.code = code;
    this.key = options?.key;
  }
}

/** The message of an error, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return String((error as Error | null)?.message ?? error);
}

const clusterReply = /^(MOVED|ASK|CROSSSLOT|CLUSTERDOWN)\b/;
// Error replies that only say "not now": the server is still there but cannot serve yet.
const busyReply = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN)\b/;
const errorReply = /^[A-Z][A-Z_-]+ /;

/** Turns what a client threw into a {@link RedisStoreError} with the code of its kind. */
export function asStoreError(error: unknown): RedisStoreError {
  if (error instanceof RedisStoreError) return error;
  const text = messageOf(error);
  if (clusterReply.test(text)) {
    const message =
      `tripswitch/redis: Redis Cluster refused a command (${text}); use a cluster client (ioredis \`Cluster\`), ` +
      `not a client of one node, and a prefix with a hash tag such as '{tripswitch}:'`;
    return new RedisStoreError(RedisStoreErrorCode.CLUSTER, message, { cause: error });
  }
  if (errorReply.test(text) && !busyReply.test(text)) {
    return new RedisStoreError(RedisStoreErrorCode.COMMAND, `tripswitch/redis: Redis refused a command (${text})`, { cause: error });
  }
  return new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, `tripswitch/redis: Redis did not answer (${text})`, { cause: error });
}
