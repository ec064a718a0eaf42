import { type Clock, fromEpochMs, monotonicClock, toEpochMs } from '../clock.js';
import { checkDuration, checkInteger, invalid } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector, type TripReason } from './detector.js';
import { FAILED, flagsOf, type RateOptions, type RateRule, rateStats, rateTripReason, rateTrips, resolveRateRule, SLOW } from './rate.js';

/** Options of {@link RateWindowDetector}. */
export interface RateWindowOptions extends RateOptions {
  /**
   * Length of the window in milliseconds.
   * @default 60000
   */
  readonly timeWindow?: number;
  /**
   * Buckets the window is split in; it slides one bucket (`timeWindow / buckets` ms) at a time.
   * @default 10
   */
  readonly buckets?: number;
  /** The clock that places calls in buckets (the breaker passes its own). @default performance.now() */
  readonly clock?: Clock;
}

/**
 * Trips when the failure rate over the last `timeWindow` ms reaches `failureRateThreshold` (`>=`),
 * once at least `minimumCalls` calls fall in the window; with `slowCallDuration`, also when the
 * slow-call rate reaches `slowCallRateThreshold`. Right for bursty or uneven traffic, where "the last
 * N calls" could span a second or an hour.
 *
 * The window is split in fixed buckets and slides a bucket at a time, so it covers between
 * `timeWindow - timeWindow / buckets` and `timeWindow` ms. Buckets that have left the window are
 * dropped whenever the clock has moved, before anything is counted or rated, so a window that has
 * been idle for longer than `timeWindow` is empty.
 *
 * @example
 * new CircuitBreaker('api', { detector: 'rateWindow', timeWindow: 10_000, failureRateThreshold: 0.5, minimumCalls: 20 });
 */
export class RateWindowDetector implements FailureDetector {
  readonly usesDuration: boolean;
  readonly #rule: RateRule;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #calls: Uint32Array;
  readonly #failed: Uint32Array;
  readonly #slowed: Uint32Array;
  /** Absolute index (`floor(now / bucketMs)`) of the newest bucket. */
  #head = Number.NEGATIVE_INFINITY;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlow = 0;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: RateWindowOptions = {}) {
    const timeWindow = options.timeWindow === undefined ? 60_000 : checkDuration('timeWindow', options.timeWindow, false);
    const buckets = options.buckets === undefined ? 10 : checkInteger('buckets', options.buckets, 1);
    if (buckets > 1000) throw invalid('buckets', 'an integer from 1 to 1000 (`windowBuckets` on a breaker)', buckets, RangeError);
    this.#rule = resolveRateRule(options);
    this.#clock = options.clock ?? monotonicClock;
    this.#bucketMs = timeWindow / buckets;
    this.#calls = new Uint32Array(buckets);
    this.#failed = new Uint32Array(buckets);
    this.#slowed = new Uint32Array(buckets);
    this.usesDuration = this.#rule.measuresSlowCalls;
  }

  onSuccess(durationMs: number): void {
    this.#record(flagsOf(this.#rule, false, durationMs));
  }

  onFailure(durationMs: number): void {
    this.#record(flagsOf(this.#rule, true, durationMs));
  }

  #record(flags: number): void {
    const slot = this.#advance();
    this.#calls[slot] = (this.#calls[slot] as number) + 1;
    this.#totalCalls++;
    if (flags & FAILED) {
      this.#failed[slot] = (this.#failed[slot] as number) + 1;
      this.#totalFailures++;
    }
    if (flags & SLOW) {
      this.#slowed[slot] = (this.#slowed[slot] as number) + 1;
      this.#totalSlow++;
    }
  }

  /** Drops the buckets that have left the window (at most all of them) and returns the current slot. */
  #advance(): number {
    const size = this.#calls.length;
    const index = Math.floor(this.#clock.now() / this.#bucketMs);
    if (index > this.#head) {
      if (index - this.#head >= size) this.#clear();
      else for (let i = this.#head + 1; i <= index; i++) this.#drop(slotOf(i, size));
      this.#head = index;
    }
    // A clock that stepped back keeps counting in the newest bucket.
    return slotOf(this.#head, size);
  }

  #drop(slot: number): void {
    this.#totalCalls -= this.#calls[slot] as number;
    this.#totalFailures -= this.#failed[slot] as number;
    this.#totalSlow -= this.#slowed[slot] as number;
    this.#calls[slot] = this.#failed[slot] = this.#slowed[slot] = 0;
  }

  #clear(): void {
    this.#calls.fill(0);
    this.#failed.fill(0);
    this.#slowed.fill(0);
    this.#totalCalls = this.#totalFailures = this.#totalSlow = 0;
  }

  /** `'slow_call_rate'` when only the slow-call rate is over its threshold. */
  get tripReason(): TripReason {
    return rateTripReason(this.#rule, this.#totalCalls, this.#totalFailures);
  }

  shouldTrip(): boolean {
    this.#advance();
    return rateTrips(this.#rule, this.#totalCalls, this.#totalFailures, this.#totalSlow);
  }

  reset(): void {
    this.#clear();
  }

  /**
   * `data.newestBucketAt`: epoch ms at which the newest bucket began; `data.buckets`: `[calls, failures, slow]`
   * per bucket, newest first. Restoring places them relative to that time, so buckets that aged out in between are dropped.
   */
  snapshot(): DetectorSnapshot {
    const head = this.#advance();
    const size = this.#calls.length;
    const buckets: [number, number, number][] = [];
    for (let i = 0; i < size && this.#totalCalls > 0; i++) {
      const slot = slotOf(head - i, size);
      buckets.push([this.#calls[slot] as number, this.#failed[slot] as number, this.#slowed[slot] as number]);
    }
    while (buckets.length > 0 && (buckets[buckets.length - 1] as [number, number, number])[0] === 0) buckets.pop();
    const newestBucketAt = Math.round(toEpochMs(this.#clock, this.#head * this.#bucketMs));
    return { type: 'rateWindow', version: 1, data: { newestBucketAt, buckets } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'rateWindow', 1);
    const data = snapshot.data as { newestBucketAt?: unknown; buckets?: unknown } | null;
    const buckets = data?.buckets;
    const valid =
      typeof data?.newestBucketAt === 'number' &&
      Number.isFinite(data.newestBucketAt) &&
      Array.isArray(buckets) &&
      buckets.every(
        (b) => Array.isArray(b) && b.length === 3 && b.every((n) => Number.isInteger(n) && n >= 0) && b[1] <= b[0] && b[2] <= b[0],
      );
    if (!valid) throw new TypeError(`Expected a rateWindow snapshot with \`newestBucketAt\` and \`buckets\`, got ${JSON.stringify(data)}`);
    this.#clear();
    const size = this.#calls.length;
    const newest = Math.floor(fromEpochMs(this.#clock, data.newestBucketAt as number) / this.#bucketMs + 1e-9);
    this.#head = newest;
    (buckets as [number, number, number][]).slice(0, size).forEach(([calls, failures, slow], age) => {
      const slot = slotOf(newest - age, size);
      this.#calls[slot] = calls;
      this.#failed[slot] = failures;
      this.#slowed[slot] = slow;
      this.#totalCalls += calls;
      this.#totalFailures += failures;
      this.#totalSlow += slow;
    });
    this.#advance();
  }

  stats(): DetectorStats {
    this.#advance();
    return rateStats(this.#rule, this.#totalCalls, this.#totalFailures, this.#totalSlow);
  }
}

function slotOf(index: number, size: number): number {
  return ((index % size) + size) % size;
}
