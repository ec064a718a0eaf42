import { invalid } from '../validate.js';
import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector, type TripReason } from './detector.js';

/** Options of {@link CombinedDetector}. */
export interface CombinedOptions {
  /**
   * `false`: trip when any detector says trip. `true`: only when all of them do at once.
   * @default false
   */
  readonly requireAll?: boolean;
}

/**
 * Asks several detectors and trips when any of them (default) or all of them (`requireAll: true`)
 * say trip. Every call is reported to each one. Use it to pair a fast rule with a careful one ("5 in a
 * row, or half of the last minute"), or to require two signals before opening ("slow and failing").
 *
 * @example
 * new CircuitBreaker('payments', {
 *   detector: ({ clock }) => new CombinedDetector([
 *     new ConsecutiveFailuresDetector({ failureThreshold: 5 }),
 *     new RateWindowDetector({ clock, timeWindow: 60_000, failureRateThreshold: 0.5 }),
 *   ]),
 * });
 */
export class CombinedDetector implements FailureDetector {
  readonly usesDuration: boolean;
  readonly #detectors: readonly FailureDetector[];
  readonly #requireAll: boolean;
  #tripReason: TripReason = 'failure_threshold';

  /** @throws {TypeError} for an empty list or an invalid option. */
  constructor(detectors: readonly FailureDetector[], options: CombinedOptions = {}) {
    if (!Array.isArray(detectors) || detectors.length === 0) throw invalid('detectors', 'a non-empty array of detectors', detectors);
    if (options.requireAll !== undefined && typeof options.requireAll !== 'boolean') {
      throw invalid('requireAll', 'a boolean', options.requireAll);
    }
    this.#detectors = Object.freeze([...detectors]);
    this.#requireAll = options.requireAll ?? false;
    this.usesDuration = detectors.some((d) => d.usesDuration);
  }

  // Indexed loops: the success path runs on every call, and an iterator per call is measurable here.
  onSuccess(durationMs: number): void {
    const detectors = this.#detectors;
    for (let i = 0; i < detectors.length; i++) (detectors[i] as FailureDetector).onSuccess(durationMs);
  }

  onFailure(durationMs: number, error: unknown): void {
    const detectors = this.#detectors;
    for (let i = 0; i < detectors.length; i++) (detectors[i] as FailureDetector).onFailure(durationMs, error);
  }

  shouldTrip(): boolean {
    // Every detector is asked (no short cut), so time-based ones drop stale buckets alike.
    let any = false;
    let all = true;
    const detectors = this.#detectors;
    for (let i = 0; i < detectors.length; i++) {
      const d = detectors[i] as FailureDetector;
      if (d.shouldTrip()) {
        if (!any) this.#tripReason = d.tripReason ?? 'failure_threshold';
        any = true;
      } else all = false;
    }
    return this.#requireAll ? all : any;
  }

  /** The reason of the first detector that said trip. */
  get tripReason(): TripReason {
    return this.#tripReason;
  }

  reset(): void {
    for (const d of this.#detectors) d.reset();
  }

  /** `data`: the snapshots of the detectors, in order. */
  snapshot(): DetectorSnapshot {
    return { type: 'combined', version: 1, data: this.#detectors.map((d) => d.snapshot()) };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'combined', 1);
    const parts = snapshot.data;
    if (!Array.isArray(parts) || parts.length !== this.#detectors.length) {
      throw new TypeError(`Expected a combined snapshot of ${this.#detectors.length} detectors, got ${JSON.stringify(parts)}`);
    }
    // All or nothing: if one part refuses its snapshot, the parts restored before it go back.
    const before = this.#detectors.map((d) => d.snapshot());
    let restored = 0;
    try {
      for (const d of this.#detectors) {
        d.restore(parts[restored] as DetectorSnapshot);
        restored++;
      }
    } catch (error) {
      for (let i = 0; i < restored; i++) this.#detectors[i]?.restore(before[i] as DetectorSnapshot);
      throw error;
    }
  }

  /** The figures of the detector closest to tripping (highest failure rate, else most failures), and each one's in `parts`. */
  stats(): DetectorStats {
    const parts = this.#detectors.map((d) => d.stats());
    let lead = parts[0] as DetectorStats;
    for (const s of parts) {
      if ((s.failureRate ?? -1) > (lead.failureRate ?? -1) || (s.failureRate === lead.failureRate && s.failures > lead.failures)) lead = s;
    }
    const slow = parts.find((s) => s.slowCallRate !== undefined);
    return {
      failures: lead.failures,
      successes: lead.successes,
      calls: lead.calls,
      failureRate: lead.failureRate,
      ...(slow === undefined ? {} : { slowCalls: slow.slowCalls ?? 0, slowCallRate: slow.slowCallRate ?? null }),
      parts,
    };
  }
}
