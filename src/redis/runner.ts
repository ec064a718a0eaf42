import type { RedisConnection } from './client.js';
import { messageOf, RedisStoreError, RedisStoreErrorCode } from './errors.js';
import type { Script } from './scripts.js';

/** Runs the Lua scripts: EVALSHA, falling back to EVAL once when Redis does not hold the script yet. */
export class ScriptRunner {
  readonly #connection: RedisConnection;
  readonly #timeout: number;

  constructor(connection: RedisConnection, timeout: number) {
    this.#connection = connection;
    this.#timeout = timeout;
  }

  /** Runs `script`; rejects when Redis does not answer within the command timeout. */
  run(script: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    const run = this.#connection.command(['EVALSHA', script.sha, ...tail]).catch((error: unknown) => {
      if (!messageOf(error).includes('NOSCRIPT')) throw error;
      return this.#connection.command(['EVAL', script.source, ...tail]);
    });
    return this.timed(run);
  }

  /** Sends one plain command; rejects when Redis does not answer within the command timeout. */
  command(args: readonly string[]): Promise<unknown> {
    return this.timed(this.#connection.command(args));
  }

  /**
   * `promise`, or a rejection with a {@link RedisStoreError} once the command timeout passes. The
   * timer is unref'd, and a late settlement of `promise` is absorbed, never unhandled.
   */
  timed<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, `tripswitch/redis: no answer from Redis within ${this.#timeout} ms`)),
        this.#timeout,
      );
      (timer as { unref?: () => void }).unref?.();
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
