import type { DetectorSnapshot, DetectorStats, FailureDetector } from './detectors/detector.js';
import type { Emitter, TransitionReason } from './events.js';

/** Stats shown while a custom detector's `stats()` throws (the error goes to `listenerError`). */
const unavailableStats: DetectorStats = Object.freeze({ failures: 0, successes: 0, calls: 0, failureRate: null });

/**
 * A breaker's detector with every method isolated: a custom detector that throws is reported (hook
 * `detector.<method>`) and the breaker carries on — the call keeps its outcome, a throwing `shouldTrip`
 * does not trip, a throwing `stats()` shows zeros, a throwing `snapshot()` yields one that no restore accepts.
 */
export class GuardedDetector {
  readonly detector: FailureDetector;
  readonly #events: Emitter;

  constructor(detector: FailureDetector, events: Emitter) {
    this.detector = detector;
    this.#events = events;
  }

  /** `onSuccess`, then whether to trip: one method, so that the success path stays small enough to inline. */
  succeeded(durationMs: number): boolean {
    this.onSuccess(durationMs);
    return this.shouldTrip();
  }

  /** `onSuccess`, isolated. */
  onSuccess(durationMs: number): void {
    try {
      this.detector.onSuccess(durationMs);
    } catch (error) {
      this.#events.report('detector.onSuccess', error);
    }
  }

  /** `onFailure`, isolated. */
  onFailure(durationMs: number, error: unknown): void {
    try {
      this.detector.onFailure(durationMs, error);
    } catch (hookError) {
      this.#events.report('detector.onFailure', hookError);
    }
  }

  shouldTrip(): boolean {
    try {
      return this.detector.shouldTrip();
    } catch (error) {
      this.#events.report('detector.shouldTrip', error);
      return false;
    }
  }

  /** Why the detector tripped; anything but a known reason (a throwing getter included) reads as `failure_threshold`. */
  tripReason(): TransitionReason {
    try {
      return this.detector.tripReason === 'slow_call_rate' ? 'slow_call_rate' : 'failure_threshold';
    } catch (error) {
      this.#events.report('detector.tripReason', error);
      return 'failure_threshold';
    }
  }

  reset(): void {
    try {
      this.detector.reset();
    } catch (error) {
      this.#events.report('detector.reset', error);
    }
  }

  stats(): DetectorStats {
    try {
      return this.detector.stats();
    } catch (error) {
      this.#events.report('detector.stats', error);
      return unavailableStats;
    }
  }

  snapshot(): DetectorSnapshot {
    try {
      return this.detector.snapshot();
    } catch (error) {
      this.#events.report('detector.snapshot', error);
      return { type: 'unavailable', version: 0, data: null };
    }
  }

  /** Loads a snapshot's detector part; throws (a `TypeError`) for one written by another kind of detector. */
  restore(snapshot: DetectorSnapshot): void {
    this.detector.restore(snapshot);
  }
}
