import { checkInteger } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector, type TripReason } from './detector.js';
import { flagsOf, type RateOptions, type RateRule, rateStats, rateTripReason, rateTrips, resolveRateRule } from './rate.js';
import { BucketRing } from './window.js';

/** Options of {@link CountWindowDetector}. */
export interface CountWindowOptions extends RateOptions {
  /**
   * How many of the most recent calls the failure rate is taken over.
   * @default 20
   */
  readonly windowSize?: number;
}

/**
 * Trips when the failure rate over the last `windowSize` calls reaches `failureRateThreshold` (`>=`),
 * once at least `minimumCalls` calls are in the window; with `slowCallDuration`, also when the
 * slow-call rate reaches `slowCallRateThreshold`. Time plays no part: right for steady traffic where
 * "half of the last 20 calls failed" is the signal. A ring of one bucket a call (24 bytes).
 *
 * @example
 * new CircuitBreaker('search', { detector: 'countWindow', windowSize: 50, failureRateThreshold: 0.25, minimumCalls: 20 });
 * // or as an instance
 * new CountWindowDetector({ windowSize: 50, failureRateThreshold: 0.25, minimumCalls: 20 });
 */
export class CountWindowDetector implements FailureDetector {
  readonly usesDuration: boolean;
  readonly #rule: RateRule;
  /** One bucket a call: position `n` holds the `n`-th call. */
  readonly #ring: BucketRing;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: CountWindowOptions = {}) {
    const size = options.windowSize === undefined ? 20 : checkInteger('windowSize', options.windowSize);
    this.#rule = resolveRateRule(options, size);
    this.#ring = new BucketRing(size);
    this.usesDuration = this.#rule.measuresSlowCalls;
  }

  onSuccess(durationMs: number): void {
    this.#push(flagsOf(this.#rule, false, durationMs));
  }

  onFailure(durationMs: number): void {
    this.#push(flagsOf(this.#rule, true, durationMs));
  }

  #push(flags: number): void {
    this.#ring.push(flags);
  }

  /** `'slow_call_rate'` when only the slow-call rate is over its threshold. */
  get tripReason(): TripReason {
    return rateTripReason(this.#rule, this.#ring.calls, this.#ring.failures);
  }

  shouldTrip(): boolean {
    const ring = this.#ring;
    return rateTrips(this.#rule, ring.calls, ring.failures, ring.slow);
  }

  reset(): void {
    this.#ring.clear();
  }

  /** `data.calls`: the window's flags, oldest first (1 failed, 2 slow, 3 both). */
  snapshot(): DetectorSnapshot {
    const calls: number[] = [];
    const ring = this.#ring;
    for (let age = ring.size - 1; age >= 0; age--) {
      const [count, failed, slow] = ring.bucket(age);
      if (count > 0) calls.push(failed | (slow << 1));
    }
    return { type: 'countWindow', version: 1, data: { calls } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'countWindow', 1);
    const calls = (snapshot.data as { calls?: unknown } | null)?.calls;
    if (!Array.isArray(calls) || calls.some((f) => f !== 0 && f !== 1 && f !== 2 && f !== 3)) {
      throw new TypeError(`Expected \`calls\` in a countWindow snapshot to be an array of 0-3 flags, got ${JSON.stringify(calls)}`);
    }
    this.reset();
    // A smaller window keeps the most recent calls.
    for (const flags of calls.slice(-this.#ring.size)) this.#push(flags as number);
  }

  stats(): DetectorStats {
    const ring = this.#ring;
    return rateStats(this.#rule, ring.calls, ring.failures, ring.slow);
  }
}
