import { checkDuration, checkInteger, checkMinimumCalls, checkRate } from '../validate.js';
import type { DetectorStats, TripReason } from './detector.js';
import { FAILED, SLOW } from './window.js';

/**
 * The rule shared by the rate detectors: once the window holds `minimumCalls` calls, trip when the
 * failure rate or the slow-call rate reaches its threshold (`>=`).
 */
export interface RateOptions {
  /**
   * Failure rate (0–1) at or above which the breaker trips: `0.5` trips at 5 failures out of 10 calls.
   * @default 0.5
   */
  readonly failureRateThreshold?: number;
  /**
   * Calls the window must hold before a rate can trip, so one early failure out of one call does not.
   * @default 10 (at most the window size of a count window)
   */
  readonly minimumCalls?: number;
  /**
   * Milliseconds above which a call (success or failure) counts as slow (`duration > slowCallDuration`).
   * Unset: slow calls are not measured and the detector never reads the clock for durations.
   */
  readonly slowCallDuration?: number;
  /**
   * Slow-call rate (0–1) at or above which the breaker trips; used only with `slowCallDuration`.
   * @default 0.5
   */
  readonly slowCallRateThreshold?: number;
}

/** A validated {@link RateOptions}. `failureRateThreshold` is `Infinity` for a detector that rates slow calls only. */
export interface RateRule {
  readonly failureRateThreshold: number;
  readonly minimumCalls: number;
  readonly slowCallDuration: number;
  readonly slowCallRateThreshold: number;
  readonly measuresSlowCalls: boolean;
}

/** Validates rate options once; `maxMinimumCalls` is the window size of a count window. */
export function resolveRateRule(options: RateOptions, maxMinimumCalls = Number.POSITIVE_INFINITY): RateRule {
  const minimumCalls =
    options.minimumCalls === undefined
      ? Math.min(10, maxMinimumCalls)
      : checkMinimumCalls(checkInteger('minimumCalls', options.minimumCalls), maxMinimumCalls);
  const measuresSlowCalls = options.slowCallDuration !== undefined;
  return {
    failureRateThreshold:
      options.failureRateThreshold === undefined ? 0.5 : checkRate('failureRateThreshold', options.failureRateThreshold),
    minimumCalls,
    slowCallDuration: measuresSlowCalls ? checkDuration('slowCallDuration', options.slowCallDuration) : Number.POSITIVE_INFINITY,
    slowCallRateThreshold:
      options.slowCallRateThreshold === undefined ? 0.5 : checkRate('slowCallRateThreshold', options.slowCallRateThreshold),
    measuresSlowCalls,
  };
}

/** The flags of one call: failed, slow (`NaN` durations are never slow). */
export function flagsOf(rule: RateRule, failed: boolean, durationMs: number): number {
  return (failed ? FAILED : 0) | (durationMs > rule.slowCallDuration ? SLOW : 0);
}

/** Whether `failures` and `slow` out of `calls` trip the rule. */
export function rateTrips(rule: RateRule, calls: number, failures: number, slow: number): boolean {
  if (calls < rule.minimumCalls) return false;
  // Division, not multiplication: 3 / 10 rounds to the same double as the literal 0.3, while 0.3 * 10 does not equal 3.
  return failures / calls >= rule.failureRateThreshold || (rule.measuresSlowCalls && slow / calls >= rule.slowCallRateThreshold);
}

/** Why `failures` and `slow` out of `calls` trip the rule: failures first, slow calls otherwise. */
export function rateTripReason(rule: RateRule, calls: number, failures: number): TripReason {
  return calls > 0 && failures / calls >= rule.failureRateThreshold ? 'failure_threshold' : 'slow_call_rate';
}

/** The figures of a rate window for `status()`. */
export function rateStats(rule: RateRule, calls: number, failures: number, slow: number): DetectorStats {
  const base = { failures, successes: calls - failures, calls, failureRate: calls === 0 ? null : failures / calls };
  return rule.measuresSlowCalls ? { ...base, slowCalls: slow, slowCallRate: calls === 0 ? null : slow / calls } : base;
}
