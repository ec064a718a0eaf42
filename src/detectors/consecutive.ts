import { assertSnapshot, type DetectorSnapshot, type DetectorStats, type FailureDetector } from './detector.js';

/** Options of {@link ConsecutiveFailuresDetector}. */
export interface ConsecutiveFailuresOptions {
  /** Failures in a row that trip the breaker. @default 5 */
  readonly failureThreshold: number;
}

/**
 * Trips after `failureThreshold` failures in a row; any success starts the count again. The default
 * detector: cheap, predictable, and right for dependencies that either work or do not.
 *
 * @example
 * new CircuitBreaker('db', { detector: new ConsecutiveFailuresDetector({ failureThreshold: 3 }) });
 */
export class ConsecutiveFailuresDetector implements FailureDetector {
  readonly usesDuration = false;
  readonly #threshold: number;
  #failures = 0;

  constructor(options: ConsecutiveFailuresOptions) {
    this.#threshold = options.failureThreshold;
  }

  onSuccess(): void {
    this.#failures = 0;
  }

  onFailure(): void {
    this.#failures++;
  }

  shouldTrip(): boolean {
    return this.#failures >= this.#threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  snapshot(): DetectorSnapshot {
    return { type: 'consecutive', version: 1, data: { failures: this.#failures } };
  }

  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'consecutive', 1);
    const failures = (snapshot.data as { failures?: unknown } | null)?.failures;
    if (typeof failures !== 'number' || !Number.isInteger(failures) || failures < 0) {
      throw new TypeError(`Expected a non-negative integer \`failures\` in a consecutive snapshot, got ${String(failures)}`);
    }
    this.#failures = failures;
  }

  stats(): DetectorStats {
    return { failures: this.#failures, successes: 0, calls: this.#failures, failureRate: null };
  }
}
