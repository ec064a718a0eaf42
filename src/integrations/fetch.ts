import { CallTimeoutError, CircuitBreaker, type CircuitBreakerOptions, isCircuitOpenError, type Registry } from 'tripswitch';
import { checkDuration, checkFunction, checkKnownKeys, invalid } from '../validate.js';
import { abortableSleep, type RetryOptions, resolveRetry, retryDelay } from './retry.js';

export type { RetryOptions } from './retry.js';

/**
 * Breaker options for each host. The fetch wrapper sets `isResultFailure`, `kind` and `registry` itself, and
 * times requests with its own `timeout`, which also aborts them.
 */
export type HostBreakerOptions = Omit<
  CircuitBreakerOptions<[], Promise<Response>>,
  'isResultFailure' | 'kind' | 'registry' | 'fallback' | 'timeout'
>;

/** Options of {@link createFetch}. */
export interface ResilientFetchOptions {
  /**
   * The fetch implementation to call.
   * @default globalThis.fetch (read at each call)
   */
  readonly fetch?: typeof globalThis.fetch;
  /** Options of each host's breaker (thresholds, recovery timeout, clock, logger, ...). @default {} */
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
   * Retry failed attempts of idempotent requests with exponential backoff and full jitter. `true` uses
   * the defaults of {@link RetryOptions}; `false` never retries.
   * @default false
   */
  readonly retry?: RetryOptions | boolean;
  /**
   * Which responses count as failures of the host. The response is still returned to the caller.
   * @default (response) => response.status >= 500 || response.status === 429
   */
  readonly isFailureResponse?: (response: Response) => boolean;
  /** Waits between retries; inject one in tests. @default a setTimeout promise that the request's signal cancels */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** A `fetch`-compatible function with one circuit breaker per host. */
export interface ResilientFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The breakers created so far, by host (`host:port` when a port is given). */
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
}

const optionNames: ReadonlySet<string> = new Set([
  'fetch',
  'breaker',
  'registry',
  'namePrefix',
  'timeout',
  'retry',
  'isFailureResponse',
  'sleep',
  'random',
]);

/** Carries a cancellation by the caller through the breaker, which ignores it: cancelling is not a host failure. */
class CallerAbort {
  readonly reason: unknown;
  constructor(reason: unknown) {
    this.reason = reason;
  }
}

const defaultIsFailureResponse = (response: Response): boolean => response.status >= 500 || response.status === 429;

/**
 * Creates a `fetch`-compatible function that guards each host with its own circuit breaker. Responses
 * with status 5xx or 429, network errors and timeouts count as failures of the host; other 4xx do not
 * (the host answered). The real `Response` is returned, whatever its status; while a host's breaker is
 * open, calls to it reject at once with `CircuitOpenError`. With `retry`, idempotent requests (GET, HEAD,
 * OPTIONS, PUT, DELETE, TRACE) are retried after failures, honouring `Retry-After`.
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
  const fetchImpl = options.fetch === undefined ? undefined : checkFunction<typeof fetch>('fetch', options.fetch);
  const timeout =
    options.timeout === undefined ? 10_000 : options.timeout === false ? false : checkDuration('timeout', options.timeout, false);
  const retry = resolveRetry(options.retry ?? false);
  const isFailureResponse =
    options.isFailureResponse === undefined
      ? defaultIsFailureResponse
      : checkFunction<(response: Response) => boolean>('isFailureResponse', options.isFailureResponse);
  const sleep = options.sleep === undefined ? abortableSleep : checkFunction<typeof abortableSleep>('sleep', options.sleep);
  const random = options.random === undefined ? Math.random : checkFunction<() => number>('random', options.random);
  const namePrefix = options.namePrefix ?? 'fetch:';
  if (typeof namePrefix !== 'string') throw invalid('namePrefix', 'a string', namePrefix);
  const registry = options.registry ?? false;
  if (registry !== false && typeof (registry as Partial<Registry> | null)?.getOrCreate !== 'function')
    throw invalid('registry', 'a Registry or false', registry);
  const breakerOptions: HostBreakerOptions = options.breaker ?? {};
  const hostOptions: CircuitBreakerOptions = {
    ...breakerOptions,
    ignoreErrors: [...(breakerOptions.ignoreErrors ?? []), CallerAbort],
    isResultFailure: (response: unknown) => response instanceof Response && isFailureResponse(response),
    kind: 'async',
  };
  // Built now so that a bad breaker option fails here, not at the first request.
  new CircuitBreaker('fetch:validation', { ...hostOptions, registry: false });

  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (host: string): CircuitBreaker => {
    let breaker = breakers.get(host);
    if (breaker === undefined) {
      const name = `${namePrefix}${host}`;
      breaker =
        registry === false ? new CircuitBreaker(name, { ...hostOptions, registry: false }) : registry.getOrCreate(name, hostOptions);
      breakers.set(host, breaker);
    }
    return breaker;
  };

  const attempt = async (
    breaker: CircuitBreaker,
    input: string | URL | Request,
    init: RequestInit | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> => {
    // An already aborted signal fires no 'abort' event: stop here rather than send the request.
    if (signal?.aborted) throw new CallerAbort(signal.reason);
    const controller = new AbortController();
    let timedOut = false;
    const onCallerAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer =
      timeout === false
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(new CallTimeoutError(breaker.name, timeout));
          }, timeout);
    try {
      const request = input instanceof Request ? input.clone() : input;
      return await (fetchImpl ?? globalThis.fetch)(request, { ...init, signal: controller.signal });
    } catch (error) {
      if (timedOut) throw new CallTimeoutError(breaker.name, timeout as number, { cause: error });
      if (signal?.aborted) throw new CallerAbort(signal.reason);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  };

  const resilientFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
    const breaker = breakerFor(url.host);
    // A streamed body cannot be sent twice.
    const replayable = !(typeof ReadableStream !== 'undefined' && init?.body instanceof ReadableStream);
    const retries = retry !== false && replayable && retry.methods.includes(method) ? retry.retries : 0;
    for (let n = 0; ; n++) {
      let outcome: { response: Response } | { error: unknown };
      try {
        const response = await breaker.call(attempt, breaker, input, init, signal);
        outcome = { response };
      } catch (error) {
        if (error instanceof CallerAbort) throw error.reason;
        outcome = { error };
      }
      const failed = 'error' in outcome ? isRetryableError(outcome.error) : isFailureResponse(outcome.response);
      if (n >= retries || !failed || retry === false) {
        if ('error' in outcome) throw outcome.error;
        return outcome.response;
      }
      const delay = retryDelay(retry, n, random, 'response' in outcome ? outcome.response.headers.get('retry-after') : null);
      if (delay === undefined) {
        // The server asks for a longer pause than we are willing to wait: hand back its answer.
        if ('error' in outcome) throw outcome.error;
        return outcome.response;
      }
      if ('response' in outcome) await outcome.response.body?.cancel().catch(() => {});
      await sleep(delay, signal);
    }
  };
  Object.defineProperty(resilientFetch, 'breakers', { value: breakers, enumerable: true });
  return resilientFetch as ResilientFetch;
}

/** A rejected call (open breaker) is not retried: failing fast is the point of the breaker. */
function isRetryableError(error: unknown): boolean {
  return !isCircuitOpenError(error);
}
