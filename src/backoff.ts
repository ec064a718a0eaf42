import { checkDuration, checkFunction, invalid, MAX_DURATION_MS } from './validate.js';

/**
 * How long the breaker stays open, by how many times in a row it has opened: `attempt` is 1 when it
 * opens from closed, 2 when the first trial after that fails, and so on; closing starts again at 1.
 * Pass one as `recoveryTimeout`.
 */
export interface Backoff {
  /** Milliseconds to stay open on the `attempt`-th opening in a row (1-based). */
  delay(attempt: number): number;
}

/**
 * The same recovery timeout every time; a plain number as `recoveryTimeout` means this.
 * @example
 * new CircuitBreaker('db', { recoveryTimeout: constantBackoff(30_000) });
 */
export function constantBackoff(delayMs: number): Backoff {
  const delay = checkDuration('delayMs', delayMs);
  return Object.freeze({ delay: () => delay });
}

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Milliseconds open on the first opening. */
  readonly initialDelay: number;
  /** Milliseconds the delay never exceeds. @default 10 × initialDelay, at most 2^31 − 1 */
  readonly maxDelay?: number;
  /** Factor between one step and the next. @default 2 */
  readonly multiplier?: number;
}

/**
 * `initialDelay × multiplier^(attempt − 1)`, capped at `maxDelay`: a dependency that keeps failing
 * its trials is probed less and less often, and at full rate again once it closes.
 * @example
 * // 10 s, 20 s, 40 s, 60 s, 60 s, ... while trials keep failing
 * new CircuitBreaker('db', { recoveryTimeout: exponentialBackoff({ initialDelay: 10_000, maxDelay: 60_000 }) });
 */
export function exponentialBackoff(options: ExponentialBackoffOptions): Backoff {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object with `initialDelay`', options);
  const initial = checkDuration('initialDelay', options.initialDelay);
  const max = options.maxDelay === undefined ? Math.min(initial * 10, MAX_DURATION_MS) : checkDuration('maxDelay', options.maxDelay);
  if (max < initial) throw invalid('maxDelay', `at least \`initialDelay\` (${initial})`, max, RangeError);
  const multiplier = options.multiplier ?? 2;
  if (typeof multiplier !== 'number' || !(multiplier >= 1) || !Number.isFinite(multiplier)) {
    throw invalid('multiplier', 'a finite number >= 1', multiplier, typeof multiplier === 'number' ? RangeError : TypeError);
  }
  return Object.freeze({ delay: (attempt: number) => Math.min(max, initial * multiplier ** Math.max(0, attempt - 1)) });
}

/** Options of {@link withJitter}. */
export interface JitterOptions {
  /**
   * Largest share (0–1) taken off a delay: `0.2` gives delays between 80 % and 100 % of the step.
   * @default 0.2
   */
  readonly ratio?: number;
  /** A source of numbers in [0, 1); inject one to make tests repeatable. @default Math.random */
  readonly random?: () => number;
}

/**
 * Shortens each delay of `backoff` by a random share up to `ratio`, so that many processes whose
 * breakers opened together do not probe the dependency in the same instant. Never exceeds the step.
 * @example
 * new CircuitBreaker('db', { recoveryTimeout: withJitter(exponentialBackoff({ initialDelay: 5_000 }), { ratio: 0.3 }) });
 */
export function withJitter(backoff: Backoff, options: JitterOptions = {}): Backoff {
  checkBackoff('backoff', backoff);
  const ratio = options.ratio ?? 0.2;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw invalid('ratio', 'a number from 0 to 1', ratio, typeof ratio === 'number' ? RangeError : TypeError);
  }
  const random = options.random === undefined ? Math.random : checkFunction<() => number>('random', options.random);
  return Object.freeze({ delay: (attempt: number) => backoff.delay(attempt) * (1 - ratio * random()) });
}

/** Checks that `value` has a `delay(attempt)` method. */
export function checkBackoff(option: string, value: unknown): Backoff {
  if (typeof (value as Backoff | null)?.delay !== 'function') throw invalid(option, 'an object with a delay(attempt) method', value);
  return value as Backoff;
}

/** `recoveryTimeout` as given (a number of ms or a backoff) made a backoff. */
export function toBackoff(recoveryTimeout: unknown): Backoff {
  if (typeof recoveryTimeout === 'object' && recoveryTimeout !== null) return checkBackoff('recoveryTimeout', recoveryTimeout);
  return constantBackoff(checkDuration('recoveryTimeout', recoveryTimeout));
}

/**
 * The step for `attempt`, made safe for a custom backoff: an answer that is not a finite number
 * (`Infinity`, `NaN`, a string) or exceeds 2^31 − 1 ms becomes 2^31 − 1 ms, the longest allowed delay
 * (a broken backoff must not make the breaker probe at once); a negative one becomes 0.
 */
export function stepMs(backoff: Backoff, attempt: number): number {
  const delay: unknown = backoff.delay(attempt);
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay > MAX_DURATION_MS) return MAX_DURATION_MS;
  return delay > 0 ? delay : 0;
}
