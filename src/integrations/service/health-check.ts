import { type CircuitBreaker, CircuitState } from 'tripswitch';
import { checkDuration, checkFunction, checkKnownKeys, invalid } from '../../validate.js';
import { isResponseLike, type ResponseLike } from '../replay.js';
import { maxDelayMs } from '../retry.js';

/** The active health check of a service (`healthCheck` option). */
export interface HealthCheckOptions {
  /** Path of the health endpoint, relative to the service's base URL: `'/health'`. */
  readonly path: string;
  /**
   * Milliseconds between the end of one check and the start of the next. The first runs at once.
   * @default 30000
   */
  readonly interval?: number;
  /**
   * Milliseconds a check may take; past that it counts as failed.
   * @default 2000
   */
  readonly timeout?: number;
  /**
   * Whether a passing check ends an open period early: the breaker moves to half-open and the next
   * calls are its trial calls (they still decide whether it closes). Off by default: then health
   * checks are only reported.
   * @default false
   */
  readonly recover?: boolean;
  /**
   * Which answers pass.
   * @default (response) => response.status >= 200 && response.status < 300
   */
  readonly isHealthy?: (response: ResponseLike) => boolean;
  /** Called with every result (logging, metrics); an error it throws is ignored. */
  readonly onResult?: (result: HealthCheckResult) => void;
}

/** The last health check of a service. */
export interface HealthCheckResult {
  readonly healthy: boolean;
  /** The status the endpoint answered, or `null` when it did not answer (network error, timeout). */
  readonly status: number | null;
  /** Why it failed without an answer, or `null`. */
  readonly error: string | null;
  /** When the check ended (ISO 8601). */
  readonly checkedAt: string;
  readonly durationMs: number;
  /** Whether this check moved an open breaker to half-open (`recover: true`). */
  readonly recovered: boolean;
}

/** A health check with every default filled in. */
export interface ResolvedHealthCheck {
  readonly path: string;
  readonly interval: number;
  readonly timeout: number;
  readonly recover: boolean;
  readonly isHealthy: (response: ResponseLike) => boolean;
  readonly onResult: ((result: HealthCheckResult) => void) | undefined;
}

const names: ReadonlySet<string> = new Set(['path', 'interval', 'timeout', 'recover', 'isHealthy', 'onResult']);
const isSuccess = (response: ResponseLike): boolean => response.status >= 200 && response.status < 300;

function bounded(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = checkDuration(option, value, false);
  if (ms > maxDelayMs) throw invalid(option, `at most ${maxDelayMs} ms`, value, RangeError);
  return ms;
}

/** Validates the `healthCheck` option and fills in defaults. */
export function resolveHealthCheck(value: unknown): ResolvedHealthCheck | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw invalid('healthCheck', 'an object ({ path, interval, timeout })', value);
  checkKnownKeys('healthCheck', value, names);
  const o = value as { [K in keyof HealthCheckOptions]?: unknown };
  if (typeof o.path !== 'string') throw invalid('healthCheck.path', 'a path string', o.path);
  if (o.recover !== undefined && typeof o.recover !== 'boolean') throw invalid('healthCheck.recover', 'a boolean', o.recover);
  return Object.freeze({
    path: o.path,
    interval: bounded('healthCheck.interval', o.interval, 30_000),
    timeout: bounded('healthCheck.timeout', o.timeout, 2_000),
    recover: o.recover ?? false,
    isHealthy:
      o.isHealthy === undefined ? isSuccess : checkFunction<(response: ResponseLike) => boolean>('healthCheck.isHealthy', o.isHealthy),
    onResult: o.onResult === undefined ? undefined : checkFunction<(result: HealthCheckResult) => void>('healthCheck.onResult', o.onResult),
  });
}

/**
 * Ends the open period of `breaker` now ({@link CircuitBreaker.endOpenPeriod}) and reads its state, which
 * makes the usual lazy move to half-open (event reason `recovery_timeout`). The detector's window and the
 * backoff step are kept; a failing trial reopens with the next step. Returns whether it is half-open. A
 * breaker with a `store` is left alone: the store's probe lease decides for the fleet.
 */
export function endOpenPeriod(breaker: CircuitBreaker, hasStore: boolean): boolean {
  if (hasStore || !breaker.endOpenPeriod()) return false;
  return breaker.state === CircuitState.HALF_OPEN;
}

/** What a {@link HealthChecker} needs from its service. */
export interface HealthProbe {
  readonly url: string;
  readonly headers: Headers;
  readonly fetch: () => typeof globalThis.fetch;
  readonly breaker: CircuitBreaker;
  readonly hasStore: boolean;
  readonly clock: { now(): number };
}

/**
 * Polls a health endpoint on unref'd timers (none keeps the process alive); after `close()` no timer
 * is left and no result is recorded. Checks go straight to the endpoint, not through the breaker: they
 * must reach the host while the breaker is open, and they are not traffic to count.
 */
export class HealthChecker {
  readonly #options: ResolvedHealthCheck;
  readonly #probe: HealthProbe;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: AbortController | undefined;
  #last: HealthCheckResult | null = null;
  #closed = false;

  constructor(options: ResolvedHealthCheck, probe: HealthProbe) {
    this.#options = options;
    this.#probe = probe;
    this.#schedule(0);
  }

  /** The last result, or `null` before the first check ends. */
  get last(): HealthCheckResult | null {
    return this.#last;
  }

  /** Runs a check now (besides the scheduled ones) and returns its result. */
  async check(): Promise<HealthCheckResult> {
    const { timeout, isHealthy } = this.#options;
    const probe = this.#probe;
    const controller = new AbortController();
    this.#running = controller;
    const timer = setTimeout(() => controller.abort(new DOMException('health check timed out', 'TimeoutError')), timeout);
    unref(timer);
    const start = probe.clock.now();
    let status: number | null = null;
    let error: string | null = null;
    let healthy = false;
    try {
      const response: unknown = await probe.fetch()(probe.url, { headers: probe.headers, signal: controller.signal });
      if (!isResponseLike(response)) throw new TypeError('fetch answered with something that is not a response');
      status = response.status;
      healthy = safe(() => isHealthy(response));
      await (response.body as { cancel?: () => Promise<void> } | null | undefined)?.cancel?.().catch(() => {});
    } catch (caught) {
      error = controller.signal.aborted && !this.#closed ? `timed out after ${timeout} ms` : describe(caught);
    } finally {
      clearTimeout(timer);
      if (this.#running === controller) this.#running = undefined;
    }
    const recovered = healthy && this.#options.recover && !this.#closed && endOpenPeriod(probe.breaker, probe.hasStore);
    const result: HealthCheckResult = Object.freeze({
      healthy,
      status,
      error,
      checkedAt: new Date().toISOString(),
      durationMs: Math.max(0, probe.clock.now() - start),
      recovered,
    });
    if (!this.#closed) {
      this.#last = result;
      const onResult = this.#options.onResult;
      try {
        onResult?.(result);
      } catch {
        // A reporting callback never changes the check or stops the polling.
      }
    }
    return result;
  }

  /** Stops polling: clears the timer and aborts a check in flight. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running?.abort();
  }

  #schedule(delay: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check()
        .catch(() => undefined)
        .finally(() => this.#schedule(this.#options.interval));
    }, delay);
    unref(this.#timer);
  }
}

function unref(timer: ReturnType<typeof setTimeout>): void {
  // Node and Bun timers have unref(); browsers and Deno return numbers, which keep nothing alive.
  (timer as { unref?: () => void }).unref?.();
}

function safe(test: () => boolean): boolean {
  try {
    return test() === true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof cause?.code === 'string' ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
