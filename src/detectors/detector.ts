/** Why a detector trips: too many failures, or too many slow calls. */
export type TripReason = 'failure_threshold' | 'slow_call_rate';

/**
 * JSON-ready state of a detector, as produced by {@link FailureDetector.snapshot}. `type` names the
 * detector and `version` its snapshot format, so a stale or foreign snapshot is refused on restore.
 */
export interface DetectorSnapshot {
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
}

/** Figures a detector reports for `status()`. Rates are 0–1, or `null` while there is nothing to rate. */
export interface DetectorStats {
  /** Failures the detector currently counts (in its window, or in a row). */
  readonly failures: number;
  /** Successes the detector currently counts. */
  readonly successes: number;
  /** Calls in the window (failures + successes). */
  readonly calls: number;
  /** failures / calls in the window, or `null` when the window is empty or the detector does not rate. */
  readonly failureRate: number | null;
  /** Calls slower than the slow-call threshold, when the detector measures them. */
  readonly slowCalls?: number;
  /** slowCalls / calls, when the detector measures slow calls. */
  readonly slowCallRate?: number | null;
  /** The figures of each detector inside a combined one, in order. */
  readonly parts?: readonly DetectorStats[];
}

/**
 * A failure-detection strategy: it is told the outcome of every counted call while the breaker is
 * closed and answers whether the breaker should open. Implement it to bring your own rule; the
 * built-in ones are O(1) per call and allocate nothing per call.
 *
 * The breaker calls `shouldTrip()` after every `onFailure` and every `onSuccess`: a rate can reach its
 * threshold on a success (the window fills up to `minimumCalls`, a slow success), as resilience4j
 * rates it. So `shouldTrip()` is on the hot path: keep it O(1). It calls `reset()` whenever it closes or opens.
 *
 * @example
 * class EveryOtherFailure implements FailureDetector {
 *   readonly usesDuration = false;
 *   #failures = 0;
 *   onSuccess(): void {}
 *   onFailure(): void { this.#failures++; }
 *   shouldTrip(): boolean { return this.#failures >= 2; }
 *   reset(): void { this.#failures = 0; }
 *   snapshot() { return { type: 'every-other', version: 1, data: this.#failures }; }
 *   restore(s: DetectorSnapshot): void { this.#failures = Number(s.data); }
 *   stats() { return { failures: this.#failures, successes: 0, calls: this.#failures, failureRate: null }; }
 * }
 */
export interface FailureDetector {
  /** True when the detector needs call durations (the breaker then reads its clock around each call). Durations only: it does not decide when `shouldTrip()` is asked. */
  readonly usesDuration: boolean;
  /**
   * Why the last `shouldTrip()` that answered true tripped: the breaker reads it as it opens and gives it
   * as the `stateChange` reason. Unset means `'failure_threshold'`.
   */
  readonly tripReason?: TripReason;
  /** A counted call succeeded after `durationMs` (`NaN` when durations are not measured). */
  onSuccess(durationMs: number): void;
  /** A counted call failed after `durationMs` with `error` (or with the rejected result). */
  onFailure(durationMs: number, error: unknown): void;
  /** Whether the breaker should open now. */
  shouldTrip(): boolean;
  /** Forgets every outcome. */
  reset(): void;
  /** The detector's state as JSON. */
  snapshot(): DetectorSnapshot;
  /** Resumes from a snapshot; throws a `TypeError` for one it did not produce. */
  restore(snapshot: DetectorSnapshot): void;
  /** Current figures for `status()`. */
  stats(): DetectorStats;
}

/** Throws a clear `TypeError` unless `snapshot` is a `type`/`version` snapshot this detector wrote. */
export function assertSnapshot(snapshot: unknown, type: string, version: number): asserts snapshot is DetectorSnapshot {
  const s = snapshot as Partial<DetectorSnapshot> | null;
  if (typeof s !== 'object' || s === null || s.type !== type || s.version !== version) {
    throw new TypeError(
      `Expected a "${type}" detector snapshot of version ${version}, got ${JSON.stringify(snapshot) ?? String(snapshot)}`,
    );
  }
}
