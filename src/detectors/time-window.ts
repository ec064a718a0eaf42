import { type Clock, monotonicClock } from '../clock.js';
import { checkInteger, checkTimeWindow } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector } from './detector.js';
import { Timeline } from './window.js';

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
  readonly #time: Timeline;
  readonly #window: number;
  /** Times (on `#time`) of the last `failureThreshold` failures; `#next` is the oldest once full. */
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;

  /** @throws {TypeError | RangeError} for an invalid option. */
  constructor(options: TimeWindowOptions = {}) {
    const threshold = options.failureThreshold === undefined ? 5 : checkInteger('failureThreshold', options.failureThreshold);
    this.#window = options.timeWindow === undefined ? 60_000 : checkTimeWindow('timeWindow', options.timeWindow);
    this.#time = new Timeline(options.clock ?? monotonicClock);
    this.#times = new Float64Array(threshold);
  }

  onSuccess(): void {}

  onFailure(): void {
    this.#push(this.#time.now());
  }

  #push(time: number): void {
    this.#times[this.#next] = time;
    this.#next = this.#next + 1 === this.#times.length ? 0 : this.#next + 1;
    if (this.#count < this.#times.length) this.#count++;
  }

  shouldTrip(): boolean {
    // Full ring: the oldest of the last `failureThreshold` failures is the one `#next` points at.
    return this.#count === this.#times.length && this.#time.now() - (this.#times[this.#next] as number) < this.#window;
  }

  reset(): void {
    this.#next = this.#count = 0;
  }

  /** Failure times still in the window, oldest first. */
  #recent(): number[] {
    const now = this.#time.now();
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
    const offset = this.#time.epochOffset();
    return { type: 'timeWindow', version: 1, data: { failures: this.#recent().map((t) => Math.round(t + offset)) } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'timeWindow', 1);
    const failures = (snapshot.data as { failures?: unknown } | null)?.failures;
    if (!Array.isArray(failures) || failures.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
      throw new TypeError(`Expected \`failures\` in a timeWindow snapshot to be an array of epoch ms, got ${JSON.stringify(failures)}`);
    }
    this.reset();
    const offset = this.#time.epochOffset();
    const now = this.#time.now();
    // A failure stamped ahead of our clock counts as happening now, not as one that never ages out.
    for (const epoch of failures.slice(-this.#times.length)) this.#push(Math.min(now, (epoch as number) - offset));
  }

  stats(): DetectorStats {
    const failures = this.#recent().length;
    return { failures, successes: 0, calls: failures, failureRate: null };
  }
}
