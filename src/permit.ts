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

/**
 * The permit handed out by `tryAcquirePermission()`: the one object an admitted call allocates (a refused
 * one allocates nothing). It carries the generation it was admitted in, so an outcome reported after the
 * breaker changed state is recorded in the figures but decides nothing, as a late call outcome.
 */
export class CallPermit implements Permit {
  readonly #runner: CallRunner;
  /** The generation the call was admitted in; `-1` once an outcome (or a release) was reported. */
  #generation: number;
  /**
   * The clock reading at admission, or `undefined` when durations are not measured: a field that held
   * `NaN` would box a number in every permit (16 bytes more per permit).
   */
  readonly #start: number | undefined;

  constructor(runner: CallRunner, generation: number) {
    this.#runner = runner;
    this.#generation = generation;
    this.#start = runner.timed ? runner.start() : undefined;
  }

  onSuccess(durationMs?: number): void {
    const duration = this.#duration(durationMs);
    const generation = this.#settle();
    if (generation >= 0) this.#runner.recordSuccess(duration, generation);
  }

  onError(error: unknown, durationMs?: number): void {
    const duration = this.#duration(durationMs);
    const generation = this.#settle();
    if (generation >= 0) this.#runner.recordError(error, duration, generation);
  }

  release(): void {
    const generation = this.#settle();
    if (generation >= 0) this.#runner.release(generation);
  }

  /** The generation to report in, or `-1` when this permit has reported already. */
  #settle(): number {
    const generation = this.#generation;
    this.#generation = -1;
    return generation;
  }

  #duration(durationMs: number | undefined): number {
    if (durationMs === undefined) return this.#start === undefined ? Number.NaN : this.#runner.since(this.#start);
    if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
      throw new TypeError(
        `Expected \`durationMs\` to be a finite number >= 0 or undefined, got ${String(durationMs)} (${typeof durationMs})`,
      );
    }
    return durationMs;
  }
}
