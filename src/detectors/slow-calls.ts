import type { Clock } from '../clock.js';
import { checkDuration, invalid } from '../validate.js';
import { CountWindowDetector } from './count-window.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector } from './detector.js';
import { RateWindowDetector } from './rate-window.js';

/** Options of {@link SlowCallDetector}. Give `windowSize` for a count window, `timeWindow` for a time window. */
export interface SlowCallOptions {
  /** Milliseconds above which a call counts as slow (`duration > slowCallDuration`). Required. */
  readonly slowCallDuration: number;
  /**
   * Slow-call rate (0–1) at or above which the breaker trips.
   * @default 0.5
   */
  readonly slowCallRateThreshold?: number;
  /**
   * Calls the window must hold before the rate can trip.
   * @default 10 (at most `windowSize`)
   */
  readonly minimumCalls?: number;
  /** Rate over the last `windowSize` calls (the default window, of 20 calls). */
  readonly windowSize?: number;
  /** Rate over the last `timeWindow` ms instead, in `buckets` buckets (see {@link RateWindowDetector}). */
  readonly timeWindow?: number;
  /** Buckets of the time window. @default 10 */
  readonly buckets?: number;
  /** The clock of the time window (the breaker passes its own). @default performance.now() */
  readonly clock?: Clock;
}

/**
 * Trips when the share of slow calls reaches `slowCallRateThreshold` (`>=`), whether they succeed or
 * fail; failures as such never trip it. Right for a dependency that degrades by slowing down before
 * it errors (a saturated database). Combine it with a failure detector through {@link CombinedDetector},
 * or use `slowCallDuration` on a `countWindow`/`rateWindow` detector to rate both in one window.
 *
 * @example
 * new CircuitBreaker('db', { detector: 'slowCalls', slowCallDuration: 2_000, slowCallRateThreshold: 0.8, windowSize: 50 });
 */
export class SlowCallDetector implements FailureDetector {
  readonly usesDuration = true;
  readonly tripReason = 'slow_call_rate';
  readonly #window: CountWindowDetector | RateWindowDetector;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: SlowCallOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object with `slowCallDuration`', options);
    const { windowSize, timeWindow, buckets, clock, ...rate } = options;
    checkDuration('slowCallDuration', rate.slowCallDuration);
    if (windowSize !== undefined && timeWindow !== undefined) {
      throw new TypeError('Expected either `windowSize` (a count window) or `timeWindow` (a time window) for slow calls, not both');
    }
    this.#window =
      timeWindow === undefined
        ? new CountWindowDetector(windowSize === undefined ? rate : { ...rate, windowSize })
        : new RateWindowDetector({
            ...rate,
            timeWindow,
            ...(buckets === undefined ? {} : { buckets }),
            ...(clock === undefined ? {} : { clock }),
          });
  }

  onSuccess(durationMs: number): void {
    this.#window.onSuccess(durationMs);
  }

  // The window sees every call as a success, so only its slow-call rate can trip.
  onFailure(durationMs: number): void {
    this.#window.onSuccess(durationMs);
  }

  shouldTrip(): boolean {
    return this.#window.shouldTrip();
  }

  reset(): void {
    this.#window.reset();
  }

  snapshot(): DetectorSnapshot {
    return { type: 'slowCalls', version: 1, data: this.#window.snapshot() };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'slowCalls', 1);
    this.#window.restore(snapshot.data as DetectorSnapshot);
  }

  /** Calls and slow calls in the window; failures are not counted here. */
  stats(): DetectorStats {
    const { calls, slowCalls = 0, slowCallRate = null } = this.#window.stats();
    return { failures: 0, successes: calls, calls, failureRate: null, slowCalls, slowCallRate };
  }
}
