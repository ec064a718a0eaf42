import { checkDuration, checkInteger, checkKnownKeys, invalid } from '../validate.js';

/** Retry policy of `createFetch`. */
export interface RetryOptions {
  /**
   * Attempts after the first one.
   * @default 2
   */
  readonly retries?: number;
  /**
   * Upper bound of the first backoff, in milliseconds; each retry doubles it (times `factor`).
   * @default 200
   */
  readonly minDelay?: number;
  /**
   * Cap of the backoff, in milliseconds.
   * @default 10000
   */
  readonly maxDelay?: number;
  /**
   * Growth of the backoff per retry.
   * @default 2
   */
  readonly factor?: number;
  /**
   * Methods that may be retried: only idempotent ones, since a retried POST may act twice.
   * @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']
   */
  readonly methods?: readonly string[];
  /**
   * Longest `Retry-After` the client waits for, in milliseconds; a longer one ends the retries and the
   * response is returned as it is.
   * @default 60000
   */
  readonly maxRetryAfter?: number;
}

/** A retry policy with every default filled in. */
export interface ResolvedRetry {
  readonly retries: number;
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly methods: readonly string[];
  readonly maxRetryAfter: number;
}

const retryOptionNames: ReadonlySet<string> = new Set(['retries', 'minDelay', 'maxDelay', 'factor', 'methods', 'maxRetryAfter']);

/** Validates the `retry` option once and fills in defaults; `false` for no retries. */
export function resolveRetry(value: RetryOptions | boolean): ResolvedRetry | false {
  if (value === false) return false;
  const o: RetryOptions = value === true ? {} : value;
  if (typeof o !== 'object' || o === null) throw invalid('retry', 'a boolean or retry options', value);
  checkKnownKeys('retry', o, retryOptionNames);
  const factor = o.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1)
    throw invalid('retry.factor', 'a finite number >= 1', factor, RangeError);
  const methods = o.methods ?? ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];
  if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string'))
    throw invalid('retry.methods', 'an array of method names', methods);
  return Object.freeze({
    retries: o.retries === undefined ? 2 : checkInteger('retry.retries', o.retries, 0),
    minDelay: o.minDelay === undefined ? 200 : checkDuration('retry.minDelay', o.minDelay),
    maxDelay: o.maxDelay === undefined ? 10_000 : checkDuration('retry.maxDelay', o.maxDelay),
    factor,
    methods: Object.freeze(methods.map((m) => m.toUpperCase())),
    maxRetryAfter: o.maxRetryAfter === undefined ? 60_000 : checkDuration('retry.maxRetryAfter', o.maxRetryAfter),
  });
}

/**
 * Milliseconds of the `Retry-After` header (delta-seconds or an HTTP date), or `null` when absent or
 * unreadable. A date in the past gives 0.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The pause before retry number `n + 1` (n from 0): full jitter over an exponential ceiling,
 * `random() * min(maxDelay, minDelay * factor ** n)`, but never shorter than the server's `Retry-After`.
 * `undefined` when `Retry-After` asks for more than `maxRetryAfter`.
 */
export function retryDelay(policy: ResolvedRetry, n: number, random: () => number, retryAfter: string | null): number | undefined {
  const ceiling = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** n);
  const backoff = Math.floor(random() * ceiling);
  const asked = parseRetryAfter(retryAfter);
  if (asked === null) return backoff;
  if (asked > policy.maxRetryAfter) return undefined;
  return Math.max(backoff, asked);
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as it aborts, and clears its timer. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
