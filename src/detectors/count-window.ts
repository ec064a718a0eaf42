import { checkInteger } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector, type TripReason } from './detector.js';
import { FAILED, flagsOf, type RateOptions, type RateRule, rateStats, rateTripReason, rateTrips, resolveRateRule, SLOW } from './rate.js';

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
 * "half of the last 20 calls failed" is the signal. A ring buffer of one byte a call.
 *
 * @example
 * new CircuitBreaker('search', { detector: 'countWindow', windowSize: 50, failureRateThreshold: 0.25, minimumCalls: 20 });
 * // or as an instance
 * new CountWindowDetector({ windowSize: 50, failureRateThreshold: 0.25, minimumCalls: 20 });
 */
export class CountWindowDetector implements FailureDetector {
  readonly usesDuration: boolean;
  readonly #rule: RateRule;
  readonly #ring: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: CountWindowOptions = {}) {
    const size = options.windowSize === undefined ? 20 : checkInteger('windowSize', options.windowSize, 1);
    this.#rule = resolveRateRule(options, size);
    this.#ring = new Uint8Array(size);
    this.usesDuration = this.#rule.measuresSlowCalls;
  }

  onSuccess(durationMs: number): void {
    this.#push(flagsOf(this.#rule, false, durationMs));
  }

  onFailure(durationMs: number): void {
    this.#push(flagsOf(this.#rule, true, durationMs));
  }

  #push(flags: number): void {
    const ring = this.#ring;
    if (this.#calls === ring.length) {
      const old = ring[this.#next] as number;
      this.#failures -= old & FAILED;
      this.#slow -= (old & SLOW) >> 1;
    } else this.#calls++;
    ring[this.#next] = flags;
    this.#failures += flags & FAILED;
    this.#slow += (flags & SLOW) >> 1;
    this.#next = this.#next + 1 === ring.length ? 0 : this.#next + 1;
  }

  /** `'slow_call_rate'` when only the slow-call rate is over its threshold. */
  get tripReason(): TripReason {
    return rateTripReason(this.#rule, this.#calls, this.#failures);
  }

  shouldTrip(): boolean {
    return rateTrips(this.#rule, this.#calls, this.#failures, this.#slow);
  }

  reset(): void {
    this.#ring.fill(0);
    this.#next = this.#calls = this.#failures = this.#slow = 0;
  }

  /** `data.calls`: the window's flags, oldest first (1 failed, 2 slow, 3 both). */
  snapshot(): DetectorSnapshot {
    const calls: number[] = [];
    const ring = this.#ring;
    const start = this.#calls === ring.length ? this.#next : 0;
    for (let i = 0; i < this.#calls; i++) calls.push(ring[(start + i) % ring.length] as number);
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
    for (const flags of calls.slice(-this.#ring.length)) this.#push(flags as number);
  }

  stats(): DetectorStats {
    return rateStats(this.#rule, this.#calls, this.#failures, this.#slow);
  }
}
