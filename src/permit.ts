import type { Clock } from './clock.js';
import type { CallRunner } from './execute.js';

/**
 * Permission for one call the breaker admitted, from `breaker.tryAcquirePermission()`, for work the
 * breaker does not run itself (a callback API, a stream, another library's retry loop). Report the
 * outcome exactly once: `onSuccess`, `onError`, or `release` for work that ended without deciding
 * anything. Later reports of the same permit are ignored, and so is the outcome of a permit acquired
 * before the breaker changed state (like a late call outcome).
 *
 * @example
 * const permit = breaker.tryAcquirePermission();
 * if (!permit) return serveFromCache();
 * client.get(key, (error, value) => (error ? permit.onError(error) : permit.onSuccess()));
 */
export interface Permit {
  /** The work succeeded; `durationMs` defaults to the time since the permit was acquired (when measured). */
  onSuccess(durationMs?: number): void;
  /** The work failed with `error`, classified like a call's error (`ignoreErrors`, `recordErrors`, `isFailure`). */
  onError(error: unknown, durationMs?: number): void;
  /** The work ended without an outcome (cancelled): frees a half-open trial slot, records nothing. */
  release(): void;
}

/** The permit handed out by {@link CallRunner}; it carries the generation it was admitted in. */
export class CallPermit implements Permit {
  readonly #runner: CallRunner;
  readonly #clock: Clock;
  readonly #generation: number;
  readonly #start: number;
  #settled = false;

  constructor(runner: CallRunner, clock: Clock, generation: number) {
    this.#runner = runner;
    this.#clock = clock;
    this.#generation = generation;
    this.#start = runner.timed ? clock.now() : Number.NaN;
  }

  onSuccess(durationMs?: number): void {
    const duration = this.#duration(durationMs);
    if (this.#settle()) this.#runner.recordSuccess(duration, this.#generation);
  }

  onError(error: unknown, durationMs?: number): void {
    const duration = this.#duration(durationMs);
    if (this.#settle()) this.#runner.recordError(error, duration, this.#generation);
  }

  release(): void {
    if (this.#settle()) this.#runner.release(this.#generation);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }

  #duration(durationMs: number | undefined): number {
    if (durationMs === undefined) return Number.isNaN(this.#start) ? this.#start : this.#clock.now() - this.#start;
    if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
      throw new TypeError(
        `Expected \`durationMs\` to be a finite number >= 0 or undefined, got ${String(durationMs)} (${typeof durationMs})`,
      );
    }
    return durationMs;
  }
}
