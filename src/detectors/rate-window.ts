import { type Clock, monotonicClock } from '../clock.js';
import { checkInteger, checkTimeWindow, MAX_BUCKETS } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector, type TripReason } from './detector.js';
import { flagsOf, type RateOptions, type RateRule, rateStats, rateTripReason, rateTrips, resolveRateRule } from './rate.js';
import { BucketRing, Timeline } from './window.js';

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
  readonly #time: Timeline;
  readonly #bucketMs: number;
  /** Bucket `n` holds the calls of elapsed time `[n × bucketMs, (n + 1) × bucketMs)`. */
  readonly #ring: BucketRing;
  /** Set by a record, which has just moved the ring to now: the `shouldTrip()` that follows needs no clock read. */
  #fresh = false;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: RateWindowOptions = {}) {
    const buckets = options.buckets === undefined ? 10 : checkInteger('buckets', options.buckets, 1, MAX_BUCKETS);
    const timeWindow = options.timeWindow === undefined ? 60_000 : checkTimeWindow('timeWindow', options.timeWindow, buckets, 'buckets');
    this.#rule = resolveRateRule(options);
    this.#time = new Timeline(options.clock ?? monotonicClock);
    this.#bucketMs = timeWindow / buckets;
    this.#ring = new BucketRing(buckets);
    this.usesDuration = this.#rule.measuresSlowCalls;
  }

  onSuccess(durationMs: number): void {
    this.#advance();
    this.#ring.add(flagsOf(this.#rule, false, durationMs));
    this.#fresh = true;
  }

  onFailure(durationMs: number): void {
    this.#advance();
    this.#ring.add(flagsOf(this.#rule, true, durationMs));
    this.#fresh = true;
  }

  /** Drops the buckets that have left the window (at most all of them). */
  #advance(): void {
    this.#ring.moveTo(Math.floor(this.#time.now() / this.#bucketMs));
  }

  /** `'slow_call_rate'` when only the slow-call rate is over its threshold. */
  get tripReason(): TripReason {
    return rateTripReason(this.#rule, this.#ring.calls, this.#ring.failures);
  }

  shouldTrip(): boolean {
    const ring = this.#ring;
    // Time passing only removes calls: too few now means too few after the clock is read.
    if (ring.calls < this.#rule.minimumCalls) return false;
    if (this.#fresh) this.#fresh = false;
    else this.#advance();
    return rateTrips(this.#rule, ring.calls, ring.failures, ring.slow);
  }

  reset(): void {
    this.#ring.clear();
    this.#fresh = false;
  }

  /**
   * `data.newestBucketAt`: epoch ms at which the newest bucket began; `data.buckets`: `[calls, failures, slow]`
   * per bucket, newest first. Restoring places them relative to that time, so buckets that aged out in between are dropped.
   */
  snapshot(): DetectorSnapshot {
    this.#advance();
    const ring = this.#ring;
    const buckets: [number, number, number][] = [];
    for (let age = 0; age < ring.size && ring.calls > 0; age++) buckets.push(ring.bucket(age));
    while (buckets.length > 0 && (buckets[buckets.length - 1] as [number, number, number])[0] === 0) buckets.pop();
    const newestBucketAt = Math.round(ring.position * this.#bucketMs + this.#time.epochOffset());
    return { type: 'rateWindow', version: 1, data: { newestBucketAt, buckets } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'rateWindow', 1);
    this.#fresh = false;
    const data = snapshot.data as { newestBucketAt?: unknown; buckets?: unknown } | null;
    const buckets = data?.buckets;
    const valid =
      typeof data?.newestBucketAt === 'number' &&
      Number.isFinite(data.newestBucketAt) &&
      Array.isArray(buckets) &&
      buckets.every(
        (b) => Array.isArray(b) && b.length === 3 && b.every((n) => Number.isSafeInteger(n) && n >= 0) && b[1] <= b[0] && b[2] <= b[0],
      );
    if (!valid) throw new TypeError(`Expected a rateWindow snapshot with \`newestBucketAt\` and \`buckets\`, got ${JSON.stringify(data)}`);
    const now = Math.floor(this.#time.now() / this.#bucketMs);
    // A snapshot from a clock ahead of ours counts as taken now, not as a window that ages out only later.
    const newest = Math.min(now, Math.floor(((data.newestBucketAt as number) - this.#time.epochOffset()) / this.#bucketMs + 1e-9));
    const ring = this.#ring;
    ring.restart(newest);
    (buckets as [number, number, number][]).slice(0, ring.size).forEach(([calls, failures, slow], age) => {
      ring.load(age, calls, failures, slow);
    });
    ring.moveTo(now);
  }

  stats(): DetectorStats {
    this.#advance();
    const ring = this.#ring;
    return rateStats(this.#rule, ring.calls, ring.failures, ring.slow);
  }
}
