import { type Clock, fromEpochMs, monotonicClock, toEpochMs } from '../clock.js';
import { checkDuration, checkInteger } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector } from './detector.js';

/** Options of {@link TimeWindowDetector}. */
export interface TimeWindowOptions {
  /**
   * Failures within `timeWindow` that trip the breaker.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * Milliseconds a failure is remembered. A failure exactly `timeWindow` ms old no longer counts.
   * @default 60000
   */
  readonly timeWindow?: number;
  /** The clock that stamps failures (the breaker passes its own). @default performance.now() */
  readonly clock?: Clock;
}

/**
 * Trips on the `failureThreshold`-th failure within the last `timeWindow` ms, whatever the successes in
 * between. Right for low or uneven traffic where a rate means little: "5 errors within a minute".
 * Keeps the times of the last `failureThreshold` failures in a ring buffer.
 *
 * @example
 * new CircuitBreaker('mailer', { detector: 'timeWindow', failureThreshold: 5, timeWindow: 60_000 });
 */
export class TimeWindowDetector implements FailureDetector {
  readonly usesDuration = false;
  readonly #clock: Clock;
  readonly #window: number;
  /** Times of the last `failureThreshold` failures; `#next` is the oldest once full. */
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: TimeWindowOptions = {}) {
    const threshold = options.failureThreshold === undefined ? 5 : checkInteger('failureThreshold', options.failureThreshold, 1);
    this.#window = options.timeWindow === undefined ? 60_000 : checkDuration('timeWindow', options.timeWindow, false);
    this.#clock = options.clock ?? monotonicClock;
    this.#times = new Float64Array(threshold);
  }

  onSuccess(): void {}

  onFailure(): void {
    this.#push(this.#clock.now());
  }

  #push(time: number): void {
    this.#times[this.#next] = time;
    this.#next = this.#next + 1 === this.#times.length ? 0 : this.#next + 1;
    if (this.#count < this.#times.length) this.#count++;
  }

  shouldTrip(): boolean {
    // Full ring: the oldest of the last `failureThreshold` failures is the one `#next` points at.
    return this.#count === this.#times.length && this.#clock.now() - (this.#times[this.#next] as number) < this.#window;
  }

  reset(): void {
    this.#next = this.#count = 0;
  }

  /** Failure times still in the window, oldest first. */
  #recent(): number[] {
    const now = this.#clock.now();
    const size = this.#times.length;
    const start = this.#count === size ? this.#next : 0;
    const recent: number[] = [];
    for (let i = 0; i < this.#count; i++) {
      const time = this.#times[(start + i) % size] as number;
      if (now - time < this.#window) recent.push(time);
    }
    return recent;
  }

  /** `data.failures`: epoch ms of the failures still in the window, oldest first. */
  snapshot(): DetectorSnapshot {
    return { type: 'timeWindow', version: 1, data: { failures: this.#recent().map((t) => Math.round(toEpochMs(this.#clock, t))) } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'timeWindow', 1);
    const failures = (snapshot.data as { failures?: unknown } | null)?.failures;
    if (!Array.isArray(failures) || failures.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
      throw new TypeError(`Expected \`failures\` in a timeWindow snapshot to be an array of epoch ms, got ${JSON.stringify(failures)}`);
    }
    this.reset();
    for (const epoch of failures.slice(-this.#times.length)) this.#push(fromEpochMs(this.#clock, epoch as number));
  }

  stats(): DetectorStats {
    const failures = this.#recent().length;
    return { failures, successes: 0, calls: failures, failureRate: null };
  }
}
