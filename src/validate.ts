/*
 * Option validation, in one module: the bounds (`MAX_DURATION_MS`, `MAX_COUNT`, `MAX_BUCKETS`,
 * `MIN_BUCKET_MS`), the checkers every option set uses (breaker, wrapper, decorators, presets,
 * detectors, backoffs, fetch, the Redis store) and the cross-field rules. Every refusal is a TypeError
 * (wrong type) or RangeError (out of range) naming the option, the value and what is allowed.
 */

/** Renders a value for an error message: `0` (number), `"abc"` (string), `NaN` (number), ... */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = `[function ${value.name || 'anonymous'}]`;
  else if (typeof value === 'object' && value !== null) {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
    if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  } else shown = String(value);
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}

/** ``Expected `option` to be <allowed>, got `value` (type)[; <limit>]``, as a TypeError or RangeError. */
export function invalid(option: string, allowed: string, value: unknown, Kind: typeof TypeError = TypeError, limit = ''): Error {
  return new Kind(`Expected \`${option}\` to be ${allowed}, got ${describeValue(value)}${limit === '' ? '' : `; ${limit}`}`);
}

/**
 * The longest duration any option may hold, in ms: 2^31 − 1 (about 24.8 days). Timers overflow beyond
 * it (`setTimeout` fires after 1 ms instead), so every duration is bounded by it, and a backoff step
 * past it is clamped to it.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/**
 * The largest count an option may hold (thresholds, window sizes, minimum calls, trial calls): windows
 * allocate memory in proportion to their size, so a typo like `windowSize: 5e8` is refused, not
 * allocated.
 */
export const MAX_COUNT = 100_000;

/** The most buckets a time window may be split in. */
export const MAX_BUCKETS = 1_000;

/** The narrowest time bucket, in ms: `timeWindow / windowBuckets` must reach it. */
export const MIN_BUCKET_MS = 1;

const durationLimit = `at most ${MAX_DURATION_MS} ms (2^31 - 1)`;

/**
 * `value` when `inRange` holds; a TypeError when it is not a number, else a RangeError:
 * ``Expected `option` to be <allowed>, got `value` (type); <limit>``. Every bounded check goes through it.
 */
function checkRange(option: string, value: unknown, inRange: boolean, allowed: string, limit: string): number {
  if (typeof value !== 'number') throw invalid(option, allowed, value, TypeError, limit);
  if (!inRange) throw invalid(option, allowed, value, RangeError, limit);
  return value;
}

/** An integer count from `min` (default 1) to `max` (default {@link MAX_COUNT}). */
export function checkInteger(option: string, value: unknown, min = 1, max = MAX_COUNT): number {
  const n = value as number;
  const allowed = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  return checkRange(option, value, Number.isInteger(n) && n >= min && n <= max, allowed, `at most ${max}`);
}

/**
 * A duration in ms, at most {@link MAX_DURATION_MS}; `allowZero: false` requires it positive. Fetch, the
 * Redis store and the retry helper use it for their own durations.
 */
export function checkDuration(option: string, value: unknown, allowZero = true): number {
  const n = value as number;
  const allowed = `a finite number of milliseconds ${allowZero ? '>=' : '>'} 0`;
  return checkRange(option, value, (allowZero ? n >= 0 : n > 0) && n <= MAX_DURATION_MS, allowed, durationLimit);
}

/** A rate threshold: a number in (0, 1]. */
export function checkRate(option: string, value: unknown): number {
  const n = value as number;
  return checkRange(option, value, n > 0 && n <= 1, 'a rate between 0 (exclusive) and 1 (inclusive)', '');
}

/**
 * A time window of `buckets` buckets: {@link MIN_BUCKET_MS} to {@link MAX_DURATION_MS} ms, and each
 * bucket at least {@link MIN_BUCKET_MS} wide, so bucket indexes stay exact integers whatever the clock.
 */
export function checkTimeWindow(option: string, value: unknown, buckets = 1, bucketsOption = 'windowBuckets'): number {
  const n = value as number;
  const allowed = `a finite number of milliseconds >= ${MIN_BUCKET_MS}`;
  const timeWindow = checkRange(option, value, n >= MIN_BUCKET_MS && n <= MAX_DURATION_MS, allowed, durationLimit);
  if (timeWindow / buckets < MIN_BUCKET_MS) {
    throw invalid(
      option,
      `at least ${MIN_BUCKET_MS} ms a bucket (${buckets * MIN_BUCKET_MS} ms for \`${bucketsOption}\` ${buckets})`,
      value,
      RangeError,
    );
  }
  return timeWindow;
}

/** Cross-field rule of count windows: `minimumCalls` at most `windowSize`, or the window could never trip. */
export function checkMinimumCalls(minimumCalls: number, windowSize: number): number {
  if (minimumCalls > windowSize) {
    throw invalid('minimumCalls', `at most \`windowSize\` (${windowSize}), or the window could never trip`, minimumCalls, RangeError);
  }
  return minimumCalls;
}

export function checkFunction<F>(option: string, value: unknown): F {
  if (typeof value !== 'function') throw invalid(option, 'a function', value);
  return value as F;
}

export function checkOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}

export function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(option, 'a non-empty string', value);
  return value;
}

/** Rejects option names this library does not know (a typo in JavaScript would otherwise pass silently). */
export function checkKnownKeys(where: string, options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = closest(key, known);
      throw new TypeError(
        `Unknown ${where} option \`${key}\`${hint === undefined ? '' : ` (did you mean \`${hint}\`?)`}; known options are ${[...known].join(', ')}`,
      );
    }
  }
}

function closest(key: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

const breakerMethods = ['call', 'status', 'reset'] as const;

/**
 * `value` if it looks like a circuit breaker (a non-empty `name` and the breaker's methods), for
 * `Registry.register`. A shape check, not `instanceof`: a breaker from a second copy of the package
 * (ESM and CJS side by side) registers too.
 */
export function checkBreaker<B>(value: B): B {
  const b = value as { name?: unknown } & Partial<Record<(typeof breakerMethods)[number], unknown>>;
  const shaped =
    typeof b === 'object' &&
    b !== null &&
    typeof b.name === 'string' &&
    b.name.trim() !== '' &&
    breakerMethods.every((m) => typeof b[m] === 'function');
  if (!shaped) throw invalid('breaker', 'a CircuitBreaker', value);
  return value;
}
