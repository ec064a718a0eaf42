import type { DetectorStats } from './detectors/detector.js';
import type { CircuitState } from './state.js';

/** JSON-ready figures of one breaker, for health checks and dashboards. */
export interface BreakerStatus {
  readonly name: string;
  readonly state: CircuitState;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  /** The current recovery timeout: the backoff step of the current (or, when closed, the first) opening. */
  readonly recoveryTimeoutMs: number;
  readonly halfOpenMaxCalls: number;
  /** Calls that succeeded since the breaker was created. */
  readonly successes: number;
  /** Calls that failed (counted errors and failed results) since the breaker was created. */
  readonly failures: number;
  /** Calls the breaker refused without running them. */
  readonly rejected: number;
  /** Errors that passed through uncounted (`ignoreErrors`, `recordErrors`, `isFailure`). */
  readonly ignored: number;
  /** Calls answered by the fallback. */
  readonly fallbacks: number;
  /** The detector's current figures (failures in a row or in the window, failure rate, ...). */
  readonly detector: DetectorStats;
  /** Trial calls in flight and successful trials so far, while half-open; 0 otherwise. */
  readonly halfOpenInFlight: number;
  readonly halfOpenSuccesses: number;
  /** When the last failure was recorded (ISO 8601), or `null`. */
  readonly lastFailureAt: string | null;
  /** When the state last changed (ISO 8601), or `null` if it never has. */
  readonly lastStateChangeAt: string | null;
  /** Milliseconds until a trial call is let through, while open; `null` in every other state. */
  readonly timeUntilRecoveryMs: number | null;
}
