/**
 * A source of time in milliseconds. Only differences between readings matter, so a monotonic clock
 * (the default) and a wall clock both work. Inject one to control time in tests.
 *
 * @example
 * let now = 0;
 * const clock: Clock = { now: () => now };
 * const breaker = new CircuitBreaker('db', { clock, registry: false });
 * now += 60_000; // the recovery timeout has passed
 */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
}

/**
 * The default clock: `performance.now()`, read at every call so that fake timers installed later
 * (`vi.useFakeTimers()`) are honoured.
 */
export const monotonicClock: Clock = Object.freeze({ now: () => performance.now() });

/** Converts a reading of `clock` into epoch milliseconds, for human-facing timestamps. */
export function toEpochMs(clock: Clock, reading: number): number {
  return Date.now() - (clock.now() - reading);
}

/**
 * Converts epoch milliseconds (from a snapshot, say) into a reading of `clock`: the inverse of
 * {@link toEpochMs}. Both read `Date.now()` once, so a wall-clock jump between a snapshot and its
 * restore shifts restored times by the same amount.
 */
export function fromEpochMs(clock: Clock, epochMs: number): number {
  return clock.now() - (Date.now() - epochMs);
}

/**
 * `Date.now() − clock.now()`, read once: add it to a reading of `clock` to get epoch milliseconds,
 * subtract it for the way back. Converting several times with one offset keeps their distances exact
 * (two separate conversions may straddle a wall-clock tick and drift by 1 ms).
 */
export function epochOffset(clock: Clock): number {
  return Date.now() - clock.now();
}
