import { checkDuration, checkInteger, checkKnownKeys, checkRate, invalid } from '../validate.js';

/**
 * The fleet-wide rule of a store's shared counting mode: every breaker of one name, in every process
 * attached to stores that share a backend, adds its outcomes to one set of totals over a time window,
 * and the fleet opens when those totals break the rule.
 *
 * "Consecutive failures" have no fleet-wide meaning (outcomes of different processes have no order), so
 * the fleet rule is always a count or a rate over a time window. The breakers' own detectors
 * (consecutive or otherwise) keep deciding locally as well, always: they are what decides while the
 * backend is away, and a process that sees enough failures alone still opens at once.
 *
 * @example
 * const store = new MemoryStateStore({ sharedCounting: { failureThreshold: 10, window: 10_000 } });
 */
export interface SharedCountingOptions {
  /**
   * Failures of the whole fleet within `window` that open every breaker of the name (an integer up to 2^31 − 1).
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * Optional failure rate (over 0, at most 1) of the whole fleet within `window` that opens every breaker,
   * once at least `minimumCalls` calls were counted there.
   */
  readonly failureRate?: number;
  /**
   * Calls within `window` before `failureRate` applies.
   * @default 10
   */
  readonly minimumCalls?: number;
  /**
   * The time window of the totals, in milliseconds, kept in 10 buckets (so totals leave the window a
   * tenth of it at a time).
   * @default 10000
   */
  readonly window?: number;
  /**
   * How often a process sends the outcomes it counted, in one command per breaker name: the longest
   * a failure waits before the fleet sees it. Nothing is sent while a breaker has no new outcome.
   * @default 250
   */
  readonly flushInterval?: number;
}

/** {@link SharedCountingOptions} with defaults filled in. */
export interface ResolvedSharedCounting {
  readonly failureThreshold: number;
  /** `0` when no rate applies. */
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly window: number;
  /** Width of one of the window's buckets, whole milliseconds. */
  readonly bucketMs: number;
  readonly buckets: number;
  readonly flushInterval: number;
}

/** Buckets per window. */
export const bucketsPerWindow = 10;
/**
 * The most a fleet threshold may be: totals take no memory in proportion (unlike a detector's window), and a
 * busy fleet counts far more than one process; each bucket of the totals stays below it in Redis.
 */
const maxFleetCount = 2 ** 31 - 1;
const names: ReadonlySet<string> = new Set(['failureThreshold', 'failureRate', 'minimumCalls', 'window', 'flushInterval']);

/**
 * Validates the `sharedCounting` option of a store: `undefined`/`false` (off), `true` (defaults) or
 * {@link SharedCountingOptions}. Throws a TypeError or RangeError naming the option and what is allowed.
 */
export function resolveSharedCounting(value: unknown): ResolvedSharedCounting | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw invalid('sharedCounting', 'true, false or an object of shared counting options', value);
  }
  const o = (value === true ? {} : value) as { [K in keyof SharedCountingOptions]: unknown };
  checkKnownKeys('sharedCounting', o, names);
  const window = Math.ceil(bounded('sharedCounting.window', o.window, 10_000));
  if (window < bucketsPerWindow) throw invalid('sharedCounting.window', `at least ${bucketsPerWindow} milliseconds`, o.window, RangeError);
  const flushInterval = bounded('sharedCounting.flushInterval', o.flushInterval, 250);
  if (flushInterval > window) {
    throw invalid('sharedCounting.flushInterval', `at most \`sharedCounting.window\` (${window} ms)`, o.flushInterval, RangeError);
  }
  const failureThreshold =
    o.failureThreshold === undefined ? 5 : checkInteger('sharedCounting.failureThreshold', o.failureThreshold, 1, maxFleetCount);
  const failureRate = o.failureRate === undefined ? 0 : checkRate('sharedCounting.failureRate', o.failureRate);
  const minimumCalls = o.minimumCalls === undefined ? 10 : checkInteger('sharedCounting.minimumCalls', o.minimumCalls, 1, maxFleetCount);
  return Object.freeze({
    failureThreshold,
    failureRate,
    minimumCalls,
    window,
    bucketMs: Math.ceil(window / bucketsPerWindow),
    buckets: bucketsPerWindow,
    flushInterval,
  });
}

/** A duration > 0 and at most 2^31 − 1 ms (the longest timer), or `fallback`. */
function bounded(option: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : checkDuration(option, value, false);
}

/** Whether fleet totals within the window break the rule. */
export function fleetTrips(rule: ResolvedSharedCounting, failures: number, calls: number): boolean {
  return failures >= rule.failureThreshold || (rule.failureRate > 0 && calls >= rule.minimumCalls && failures >= rule.failureRate * calls);
}

/** Used when a breaker cannot say how long its first open lasts (a port from an older breaker). */
const defaultOpenMs = 60_000;

/**
 * How long a fleet trip opens the circuit: the port's first recovery timeout, whole milliseconds, within
 * 0..2^31−1 (a value from elsewhere never reaches a store's state unchecked); 60 000 ms when it cannot say.
 */
export function fleetOpenMs(port: { openMs?(): number } | undefined): number {
  const ms = port?.openMs?.() ?? defaultOpenMs;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(Math.ceil(ms), 2 ** 31 - 1) : defaultOpenMs;
}
