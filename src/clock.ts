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
