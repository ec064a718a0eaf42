import { CircuitBreaker, CircuitState, type Clock, type PresetOptions, type Registry } from 'tripswitch';
import { checkDuration, checkKnownKeys, checkName, invalid } from '../../validate.js';
import { checkHttpBreakerOptions, type HttpBreakerOptions } from '../breaker-options.js';
import { httpBreakerOptions, resolveSendPolicy } from '../fetch.js';
import type { ResponseLike } from '../replay.js';
import { maxDelayMs, type RetryOptions, resolveRetry } from '../retry.js';
import { type SendPolicy, send } from '../send.js';
import { HealthChecker, type HealthCheckOptions, type HealthCheckResult, resolveHealthCheck } from './health-check.js';
import { type ReadableResponse, readAnswer } from './json.js';
import type { ServiceHealth, ServiceRegistry } from './registry.js';

/** Options of {@link createService}. */
export interface ServiceOptions {
  /** The service's name: its key in the registry and its breaker's name. */
  readonly name: string;
  /** Base URL every path is resolved against: `https://users.internal/v1` + `users/1`. */
  readonly baseUrl: string | URL;
  /** Headers sent with every request (and health check); a call's own headers win. @default {} */
  readonly headers?: HeadersInit;
  /**
   * Milliseconds one attempt may take until the response headers arrive; `false` for no limit.
   * @default the preset's `timeout` when `breaker` is a preset, else 5000
   */
  readonly timeout?: number | false;
  /** Milliseconds all attempts of one call and the waits between them may take. @default 30000 */
  readonly totalTimeout?: number | false;
  /**
   * Retries of idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) with exponential backoff and
   * full jitter; POST and PATCH are never retried. `false` never retries.
   * @default true (2 retries, see RetryOptions)
   */
  readonly retry?: RetryOptions | boolean;
  /**
   * The breaker's options, or a preset such as `externalService('users')` (its `name` is ignored, its
   * `timeout` becomes the default of `timeout`). `detector` is a name or a factory.
   * @default {}
   */
  readonly breaker?: HttpBreakerOptions | PresetOptions;
  /** The service registry the client joins; `close()` leaves it. @default none */
  readonly registry?: ServiceRegistry<ServiceClient>;
  /** The breaker registry the breaker joins (for `/health/circuits` and metrics); `false` joins none. @default false */
  readonly breakerRegistry?: Registry | false;
  /** An active health check polled on an interval; see {@link HealthCheckOptions}. @default none */
  readonly healthCheck?: HealthCheckOptions;
  /** Which answers count as failures of the service. @default 5xx and 429 */
  readonly isFailureResponse?: (response: ResponseLike) => boolean;
  /** The fetch implementation. @default globalThis.fetch (read at each call) */
  readonly fetch?: typeof globalThis.fetch;
  /** Waits between retries; inject one in tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Times budgets and health checks. @default performance.now() */
  readonly clock?: Clock;
}

/** Options of one call. */
export interface ServiceCallOptions {
  /** Headers of this call, over the service's. */
  readonly headers?: HeadersInit;
  /** Query parameters appended to the URL; `undefined` and `null` values are left out. */
  readonly query?: Readonly<Record<string, string | number | boolean | null | undefined>>;
  /** Cancels the call; an `AbortSignal.timeout()` that fires counts as a failure, another abort does not. */
  readonly signal?: AbortSignal;
  /** This call's per-attempt timeout. */
  readonly timeout?: number | false;
  /** This call's total budget. */
  readonly totalTimeout?: number | false;
  /** This call's retry policy. */
  readonly retry?: RetryOptions | boolean;
}

/** Options of {@link ServiceClient.request}: a call plus its body, raw (`body`) or as JSON (`json`). */
export interface ServiceRequestOptions extends ServiceCallOptions {
  readonly body?: BodyInit | null;
  readonly json?: unknown;
}

const optionNames: ReadonlySet<string> = new Set([
  'name',
  'baseUrl',
  'headers',
  'timeout',
  'totalTimeout',
  'retry',
  'breaker',
  'registry',
  'breakerRegistry',
  'healthCheck',
  'isFailureResponse',
  'fetch',
  'sleep',
  'random',
  'clock',
]);
const callOptionNames: ReadonlySet<string> = new Set(['headers', 'query', 'signal', 'timeout', 'totalTimeout', 'retry', 'body', 'json']);

/**
 * A client of one HTTP service: a breaker, retries, timeouts and JSON helpers that return the parsed
 * body and raise {@link ServiceResponseError} for a non-2xx answer. Build it with {@link createService}.
 */
export class ServiceClient {
  readonly name: string;
  /** The base URL, ending in `/`. */
  readonly baseUrl: string;
  /** The service's breaker: 5xx, 429, network errors and timeouts count against it. */
  readonly breaker: CircuitBreaker;
  readonly #base: URL;
  readonly #headers: Headers;
  readonly #policy: SendPolicy;
  readonly #registry: ServiceRegistry<ServiceClient> | undefined;
  readonly #breakerRegistry: Registry | false;
  readonly #checker: HealthChecker | undefined;
  #closed = false;

  /** Use {@link createService}. */
  constructor(options: ServiceOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys('createService()', options, optionNames);
    this.name = checkName('name', options.name);
    this.#base = checkBaseUrl(options.baseUrl);
    this.baseUrl = this.#base.href;
    this.#headers = new Headers(options.headers);
    const { name: _presetName, timeout: presetTimeout, ...breakerInput } = (options.breaker ?? {}) as PresetOptions;
    const breakerOptions = checkHttpBreakerOptions('breaker', breakerInput);
    const defaultTimeout = presetTimeout === undefined ? 5_000 : checkDuration('breaker.timeout', presetTimeout, false);
    this.#policy = resolveSendPolicy({ ...options, retry: options.retry ?? true }, defaultTimeout);
    const registry = options.registry;
    if (registry !== undefined && typeof (registry as Partial<ServiceRegistry> | null)?.register !== 'function')
      throw invalid('registry', 'a ServiceRegistry', registry);
    const breakerRegistry = options.breakerRegistry ?? false;
    if (breakerRegistry !== false && typeof (breakerRegistry as Partial<Registry> | null)?.register !== 'function')
      throw invalid('breakerRegistry', 'a Registry or false', breakerRegistry);
    const healthCheck = resolveHealthCheck(options.healthCheck);
    if (registry?.has(this.name))
      throw new Error(`A service named "${this.name}" is already registered; close it first or pick another name`);
    this.breaker = new CircuitBreaker(this.name, { ...httpBreakerOptions(breakerOptions, this.#policy), registry: breakerRegistry });
    this.#breakerRegistry = breakerRegistry;
    this.#registry = registry;
    registry?.register(this);
    const fetchImpl = this.#policy.fetch;
    this.#checker =
      healthCheck === undefined
        ? undefined
        : new HealthChecker(healthCheck, {
            url: this.url(healthCheck.path),
            headers: this.#headers,
            fetch: () => fetchImpl ?? globalThis.fetch,
            breaker: this.breaker,
            hasStore: breakerOptions.store !== undefined,
            clock: this.#policy.clock,
          });
  }

  /** The absolute URL of `path` (relative to the base URL) with `query` appended. */
  url(path: string, query?: ServiceCallOptions['query']): string {
    if (typeof path !== 'string' || /^[a-z][a-z\d+.-]*:|^\/\//i.test(path))
      throw invalid('path', `a path relative to ${this.baseUrl}`, path);
    const url = new URL(path.replace(/^\/+/, ''), this.#base);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== null) url.searchParams.append(key, String(value));
    return url.href;
  }

  /**
   * Sends a request through the breaker with the service's retries and timeouts and returns the
   * response, whatever its status. Rejects with `CircuitOpenError` while the breaker is open.
   */
  async request(method: string, path: string, options: ServiceRequestOptions = {}): Promise<Response> {
    if (this.#closed) throw new Error(`Service "${this.name}" is closed`);
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys('call', options, callOptionNames);
    const headers = new Headers(this.#headers);
    new Headers(options.headers).forEach((value, key) => {
      headers.set(key, value);
    });
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const init: RequestInit = { method: method.toUpperCase(), headers };
    if (body !== undefined) init.body = body;
    if (options.signal !== undefined) init.signal = options.signal;
    return send(this.breaker, this.#callPolicy(options), this.url(path, options.query), init);
  }

  /** GET `path`; the parsed JSON body. @throws {ServiceResponseError} for a non-2xx answer. */
  get<T = unknown>(path: string, options?: ServiceCallOptions): Promise<T> {
    return this.#json<T>('GET', path, options, undefined);
  }

  /** POST `json` to `path` (never retried); the parsed JSON body. @throws {ServiceResponseError} for a non-2xx answer. */
  post<T = unknown>(path: string, json?: unknown, options?: ServiceCallOptions): Promise<T> {
    return this.#json<T>('POST', path, options, json);
  }

  /** PUT `json` to `path`; the parsed JSON body. @throws {ServiceResponseError} for a non-2xx answer. */
  put<T = unknown>(path: string, json?: unknown, options?: ServiceCallOptions): Promise<T> {
    return this.#json<T>('PUT', path, options, json);
  }

  /** PATCH `json` to `path` (never retried); the parsed JSON body. @throws {ServiceResponseError} for a non-2xx answer. */
  patch<T = unknown>(path: string, json?: unknown, options?: ServiceCallOptions): Promise<T> {
    return this.#json<T>('PATCH', path, options, json);
  }

  /** DELETE `path`; the parsed JSON body (`undefined` for an empty one). @throws {ServiceResponseError} for a non-2xx answer. */
  delete<T = unknown>(path: string, options?: ServiceCallOptions): Promise<T> {
    return this.#json<T>('DELETE', path, options, undefined);
  }

  /** The breaker's state and the last health check. */
  health(): ServiceHealth {
    const state = this.breaker.state;
    const lastCheck = this.#checker?.last ?? null;
    const healthy = (state === CircuitState.CLOSED || state === CircuitState.DISABLED) && (lastCheck === null || lastCheck.healthy);
    return { name: this.name, state, healthy, lastCheck };
  }

  /**
   * Runs the health check now and returns its result.
   * @throws {Error} when the service has no `healthCheck`.
   */
  checkHealth(): Promise<HealthCheckResult> {
    if (this.#checker === undefined) return Promise.reject(new Error(`Service "${this.name}" has no healthCheck`));
    return this.#checker.check();
  }

  /**
   * Stops the health checks (no timer is left), leaves the service registry and the breaker registry,
   * and disposes the breaker. Later calls reject. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#checker?.close();
    this.#registry?.unregister(this);
    if (this.#breakerRegistry !== false && this.#breakerRegistry.find(this.name) === this.breaker) this.#breakerRegistry.delete(this.name);
    this.breaker.dispose();
  }

  async #json<T>(method: string, path: string, options: ServiceCallOptions | undefined, json: unknown): Promise<T> {
    const headers = new Headers(options?.headers);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const request: ServiceRequestOptions = json === undefined ? { ...options, headers } : { ...options, headers, json };
    const url = this.url(path, options?.query);
    const response = await this.request(method, path, request);
    return readAnswer<T>(response as unknown as ReadableResponse, { service: this.name, method, url });
  }

  #callPolicy(options: ServiceCallOptions): SendPolicy {
    const { timeout, totalTimeout, retry } = options;
    if (timeout === undefined && totalTimeout === undefined && retry === undefined) return this.#policy;
    return {
      ...this.#policy,
      timeout: timeout === undefined ? this.#policy.timeout : callTimeout('timeout', timeout),
      totalTimeout: totalTimeout === undefined ? this.#policy.totalTimeout : callTimeout('totalTimeout', totalTimeout),
      retry: retry === undefined ? this.#policy.retry : resolveRetry(retry),
    };
  }
}

function callTimeout(option: string, value: unknown): number | false {
  if (value === false) return false;
  const ms = checkDuration(option, value, false);
  if (ms > maxDelayMs) throw invalid(option, `at most ${maxDelayMs} ms or false`, value, RangeError);
  return ms;
}

function checkBaseUrl(value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' || value instanceof URL ? new URL(String(value)) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '')
    throw invalid('baseUrl', 'an absolute http(s) URL without query or fragment', value);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * Creates a client of one HTTP service: base URL, default headers, per-attempt and total timeouts,
 * retries with backoff, one circuit breaker (options or a preset), JSON helpers, and an optional active
 * health check whose results appear in `health()` (and, with `recover: true`, end an open period early).
 * @throws {TypeError | RangeError} for an invalid option.
 * @example
 * import { createService, ServiceRegistry } from 'tripswitch/service';
 * const services = new ServiceRegistry();
 * const users = createService({
 *   name: 'users', baseUrl: 'https://users.internal/v1', headers: { authorization: `Bearer ${token}` },
 *   timeout: 5_000, retry: { retries: 3 }, breaker: { failureThreshold: 5, recoveryTimeout: 30_000 },
 *   healthCheck: { path: '/health', interval: 30_000 }, registry: services,
 * });
 * const user = await users.get<{ id: string }>('users/42');
 */
export function createService(options: ServiceOptions): ServiceClient {
  return new ServiceClient(options);
}
