import { CircuitBreaker, type CircuitBreakerOptions, type Clock, type Registry } from 'tripswitch';
import { checkDuration, checkFunction, checkInteger, checkKnownKeys, invalid } from '../validate.js';
import { checkHttpBreakerOptions, type HttpBreakerOptions } from './breaker-options.js';
import { HostPool } from './host-pool.js';
import { isResponseLike, type ResponseLike } from './replay.js';
import { abortableSleep, maxDelayMs, type RetryOptions, resolveRetry } from './retry.js';
import { CallerAbort, type SendPolicy, send } from './send.js';

export type { HttpBreakerOptions } from './breaker-options.js';
export type { ResponseLike } from './replay.js';
export { isReplayableBody, isResponseLike } from './replay.js';
export type { RetryOptions } from './retry.js';
export { parseRetryAfter } from './retry.js';

/** Breaker options for each host (see {@link HttpBreakerOptions}). */
export type HostBreakerOptions = HttpBreakerOptions;

/** Options of {@link createFetch}. */
export interface ResilientFetchOptions {
  /**
   * The fetch implementation to call. Its responses are read by shape (`status`, `headers.get`), so
   * node-fetch, undici from npm and test doubles work like the global one.
   * @default globalThis.fetch (read at each call)
   */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Options of each host's breaker (thresholds, recovery timeout, clock, logger, ...). `detector` is a
   * name or a factory, which is called once per host; an instance is refused since every host would share it.
   * @default {}
   */
  readonly breaker?: HostBreakerOptions;
  /**
   * The registry the host breakers join (so health checks and metrics see them); `false` joins none.
   * @default false
   */
  readonly registry?: Registry | false;
  /**
   * Prefix of each host breaker's name: `fetch:api.example.com`.
   * @default 'fetch:'
   */
  readonly namePrefix?: string;
  /**
   * Milliseconds each attempt may take until the response headers arrive; then it is aborted and
   * fails with `CallTimeoutError`. `false` waits as long as fetch does.
   * @default 10000
   */
  readonly timeout?: number | false;
  /**
   * Milliseconds all attempts of one call and the waits between them may take together. No wait starts
   * that would end past it, and the attempt running when it ends is aborted with `CallTimeoutError`.
   * `false`: no bound beyond each attempt's `timeout`.
   * @default 30000
   */
  readonly totalTimeout?: number | false;
  /**
   * Retry failed attempts of idempotent requests with exponential backoff and full jitter. `true` uses
   * the defaults of {@link RetryOptions}; `false` never retries. Only replayable bodies are retried.
   * @default false
   */
  readonly retry?: RetryOptions | boolean;
  /**
   * Which responses count as failures of the host. The response is still returned to the caller.
   * @default (response) => response.status >= 500 || response.status === 429
   */
  readonly isFailureResponse?: (response: ResponseLike) => boolean;
  /**
   * Hosts that keep a breaker at once. Past it, the host used least recently loses its breaker: it is
   * disposed and deleted from the registry (and so from health reports and metrics).
   * @default 1000
   */
  readonly maxHosts?: number;
  /** Waits between retries; inject one in tests. @default a setTimeout promise that the request's signal cancels */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Times the `totalTimeout` budget; inject one in tests. @default performance.now() */
  readonly clock?: Clock;
}

/** A `fetch`-compatible function with one circuit breaker per host. */
export interface ResilientFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The breakers alive now, by host (`host:port` when a port is given), least recently used first. */
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
}

const optionNames: ReadonlySet<string> = new Set([
  'fetch',
  'breaker',
  'registry',
  'namePrefix',
  'timeout',
  'totalTimeout',
  'retry',
  'isFailureResponse',
  'maxHosts',
  'sleep',
  'random',
  'clock',
]);

/** The default failure test: 5xx and 429. */
export const defaultIsFailureResponse = (response: ResponseLike): boolean => response.status >= 500 || response.status === 429;

const performanceClock: Clock = { now: () => performance.now() };

/** @internal Validates the options shared by {@link createFetch} and the service client; fills in defaults. */
export function resolveSendPolicy(
  options: Pick<ResilientFetchOptions, 'fetch' | 'timeout' | 'totalTimeout' | 'retry' | 'isFailureResponse' | 'sleep' | 'random' | 'clock'>,
  defaultTimeout: number,
): SendPolicy {
  const timeoutOf = (option: string, value: unknown, fallback: number | false): number | false => {
    if (value === undefined) return fallback;
    if (value === false) return false;
    const ms = checkDuration(option, value, false);
    if (ms > maxDelayMs) throw invalid(option, `at most ${maxDelayMs} ms or false`, value, RangeError);
    return ms;
  };
  const clock = options.clock ?? performanceClock;
  if (typeof (clock as Partial<Clock> | null)?.now !== 'function') throw invalid('clock', 'an object with a now() method', clock);
  return {
    fetch: options.fetch === undefined ? undefined : checkFunction<typeof fetch>('fetch', options.fetch),
    timeout: timeoutOf('timeout', options.timeout, defaultTimeout),
    totalTimeout: timeoutOf('totalTimeout', options.totalTimeout, 30_000),
    retry: resolveRetry(options.retry ?? false),
    isFailureResponse:
      options.isFailureResponse === undefined
        ? defaultIsFailureResponse
        : checkFunction<(response: ResponseLike) => boolean>('isFailureResponse', options.isFailureResponse),
    sleep: options.sleep === undefined ? abortableSleep : checkFunction<typeof abortableSleep>('sleep', options.sleep),
    random: options.random === undefined ? Math.random : checkFunction<() => number>('random', options.random),
    clock,
  };
}

/** @internal Breaker options for an HTTP breaker: the user's, plus how results and caller aborts count. */
export function httpBreakerOptions(breaker: HttpBreakerOptions, policy: SendPolicy): CircuitBreakerOptions {
  const { isFailureResponse } = policy;
  return {
    ...breaker,
    ignoreErrors: [...(breaker.ignoreErrors ?? []), CallerAbort],
    isResultFailure: (response: unknown) => isResponseLike(response) && isFailureResponse(response),
    kind: 'async',
  };
}

/**
 * Creates a `fetch`-compatible function that guards each host with its own circuit breaker. Responses
 * with status 5xx or 429, network errors and timeouts (its own, or the caller's `AbortSignal.timeout()`)
 * count as failures of the host; other 4xx do not (the host answered), nor does a caller's abort. The
 * real response is returned, whatever its status; while a host's breaker is open, calls to it reject at
 * once with `CircuitOpenError`. With `retry`, idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE,
 * TRACE) whose body can be sent again are retried after failures, honouring `Retry-After`, until the
 * breaker opens or `totalTimeout` would pass. At most `maxHosts` breakers live at once.
 *
 * @throws {TypeError | RangeError} for an invalid option.
 * @example
 * import { createFetch } from 'tripswitch/fetch';
 * const http = createFetch({ timeout: 5_000, retry: { retries: 2 }, breaker: { failureThreshold: 5, recoveryTimeout: 30_000 } });
 * const response = await http('https://api.example.com/users/1');
 */
export function createFetch(options: ResilientFetchOptions = {}): ResilientFetch {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('createFetch()', options, optionNames);
  const policy = resolveSendPolicy(options, 10_000);
  const namePrefix = options.namePrefix ?? 'fetch:';
  if (typeof namePrefix !== 'string') throw invalid('namePrefix', 'a string', namePrefix);
  const registry = options.registry ?? false;
  if (registry !== false && typeof (registry as Partial<Registry> | null)?.getOrCreate !== 'function')
    throw invalid('registry', 'a Registry or false', registry);
  const maxHosts = options.maxHosts === undefined ? 1000 : checkInteger('maxHosts', options.maxHosts, 1);
  const hostOptions = httpBreakerOptions(checkHttpBreakerOptions('breaker', options.breaker), policy);

  const pool = new HostPool(maxHosts, registry, (host) => {
    const name = `${namePrefix}${host}`;
    return registry === false ? new CircuitBreaker(name, { ...hostOptions, registry: false }) : registry.getOrCreate(name, hostOptions);
  });

  const resilientFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(typeof Request !== 'undefined' && input instanceof Request ? input.url : String(input));
    } catch (error) {
      return Promise.reject(error);
    }
    return send(pool.get(url.host), policy, input, init);
  };
  Object.defineProperty(resilientFetch, 'breakers', { get: () => pool.breakers, enumerable: true });
  return resilientFetch as ResilientFetch;
}
