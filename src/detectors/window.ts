import type { Clock } from '../clock.js';

/*
 * The one primitive of the window detectors: a time line that never runs backwards, and a ring of
 * buckets that only moves forward. `countWindow`, `rateWindow` and `slowCalls` keep their calls in a
 * BucketRing; `rateWindow` and `timeWindow` read time through a Timeline. So every window treats a
 * clock the same way: O(1) per call, nothing allocated per call, and a clock that steps back never
 * makes old outcomes count forever.
 */

/**
 * Milliseconds elapsed on `clock` since the timeline began, counting only forward steps. A reading
 * below the previous one (a wall clock set back, a VM restored) counts as no time passing; time then
 * runs on from the new reading, so what was recorded before the step ages at the normal pace. A
 * reading that is not a finite number is ignored. Readings start at 0, so bucket indexes stay small
 * exact integers even on an epoch clock.
 */
export class Timeline {
  readonly #clock: Clock;
  #last: number;
  #elapsed = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#last = clock.now();
  }

  /** Elapsed milliseconds, never less than the previous answer. */
  now(): number {
    const reading = this.#clock.now();
    if (reading > this.#last) this.#elapsed += reading - this.#last;
    if (reading - reading === 0) this.#last = reading; // finite
    return this.#elapsed;
  }

  /**
   * What to add to a time of this timeline to get epoch milliseconds (and subtract for the way back).
   * One reading of each clock, so every time converted with it keeps its distance to the others.
   */
  epochOffset(): number {
    return Date.now() - this.now();
  }
}

/** Flag of a call that failed. */
export const FAILED = 1;
/** Flag of a call slower than `slowCallDuration`. */
export const SLOW = 2;

/**
 * A fixed ring of `size` buckets, each counting calls, failures and slow calls, with running totals.
 * The newest bucket has a position (a call number, or a time divided by the bucket width) that only
 * moves forward: moving it drops the buckets that leave the ring, all of them at once after a gap of
 * `size` or more, so the cost per call is O(1) amortised, whatever the idle time.
 */
export class BucketRing {
  readonly size: number;
  readonly #calls: Float64Array;
  readonly #failed: Float64Array;
  readonly #slowed: Float64Array;
  /** Slot of the newest bucket. */
  #slot = 0;
  /** Position of the newest bucket. */
  #position = 0;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlow = 0;

  // One array type for every ring: a field that holds two kinds of typed array makes every access
  // polymorphic (measured 3x slower per call). Float64 counters never overflow.
  constructor(size: number) {
    this.size = size;
    this.#calls = new Float64Array(size);
    this.#failed = new Float64Array(size);
    this.#slowed = new Float64Array(size);
  }

  /** Calls in the ring. */
  get calls(): number {
    return this.#totalCalls;
  }

  /** Failed calls in the ring. */
  get failures(): number {
    return this.#totalFailures;
  }

  /** Slow calls in the ring. */
  get slow(): number {
    return this.#totalSlow;
  }

  /** Position of the newest bucket. */
  get position(): number {
    return this.#position;
  }

  /** Makes `position` the newest bucket when it is ahead; a position behind the newest changes nothing. */
  moveTo(position: number): void {
    const steps = position - this.#position;
    if (!(steps > 0)) return;
    if (steps >= this.size) this.#clear();
    else {
      for (let i = 0; i < steps; i++) {
        this.#slot = this.#slot + 1 === this.size ? 0 : this.#slot + 1;
        this.#drop(this.#slot);
      }
    }
    this.#position = position;
  }

  /** Moves one position forward and counts a call with `flags` there: the step of a count window, kept short. */
  push(flags: number): void {
    const slot = this.#slot + 1 === this.size ? 0 : this.#slot + 1;
    this.#slot = slot;
    this.#position++;
    const calls = this.#calls;
    const failed = this.#failed;
    const slowed = this.#slowed;
    const failure = flags & FAILED;
    const slow = (flags & SLOW) >> 1;
    this.#totalCalls += 1 - (calls[slot] as number);
    this.#totalFailures += failure - (failed[slot] as number);
    this.#totalSlow += slow - (slowed[slot] as number);
    calls[slot] = 1;
    failed[slot] = failure;
    slowed[slot] = slow;
  }

  /** Counts a call with `flags` ({@link FAILED}, {@link SLOW}) in the newest bucket. */
  add(flags: number): void {
    this.#addTo(this.#slot, 1, flags & FAILED, (flags & SLOW) >> 1);
  }

  /** Empties every bucket; the position stays. */
  clear(): void {
    this.#clear();
  }

  /** Empties every bucket and makes `position` the newest, even behind the current one (for a restore). */
  restart(position: number): void {
    this.#clear();
    this.#position = position;
  }

  /** `[calls, failures, slow]` of the bucket `age` steps behind the newest (0 = newest). */
  bucket(age: number): [number, number, number] {
    const slot = this.#slotAt(age);
    return [this.#calls[slot] as number, this.#failed[slot] as number, this.#slowed[slot] as number];
  }

  /** Sets the bucket `age` steps behind the newest, for a restore; counts must be valid (failures, slow <= calls). */
  load(age: number, calls: number, failures: number, slow: number): void {
    const slot = this.#slotAt(age);
    this.#drop(slot);
    this.#addTo(slot, calls, failures, slow);
  }

  #slotAt(age: number): number {
    return (((this.#slot - age) % this.size) + this.size) % this.size;
  }

  #addTo(slot: number, calls: number, failures: number, slow: number): void {
    this.#calls[slot] = (this.#calls[slot] as number) + calls;
    this.#failed[slot] = (this.#failed[slot] as number) + failures;
    this.#slowed[slot] = (this.#slowed[slot] as number) + slow;
    this.#totalCalls += calls;
    this.#totalFailures += failures;
    this.#totalSlow += slow;
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
}
