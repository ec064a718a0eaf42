// A custom failure detector: an error budget in which a timeout costs more than a plain error.
// Shows the FailureDetector interface, a factory that gets one detector per breaker, status() figures,
// and a snapshot that carries the detector's state into a new breaker (as after a restart).
import {
  CircuitBreaker,
  type DetectorSnapshot,
  type DetectorStats,
  type FailureDetector,
  isCallTimeoutError,
  isCircuitOpenError,
} from 'tripswitch';

/** Trips when the failures' cost reaches the budget: 3 per timeout, 1 per other error; a success refunds 1. */
class ErrorBudgetDetector implements FailureDetector {
  readonly usesDuration = false;
  readonly #budget: number;
  #spent = 0;
  #calls = 0;

  constructor(budget: number) {
    this.#budget = budget;
  }

  onSuccess(): void {
    this.#calls++;
    if (this.#spent > 0) this.#spent--;
  }

  onFailure(_durationMs: number, error: unknown): void {
    this.#calls++;
    this.#spent += isCallTimeoutError(error) ? 3 : 1;
  }

  shouldTrip(): boolean {
    return this.#spent >= this.#budget;
  }

  reset(): void {
    this.#spent = 0;
    this.#calls = 0;
  }

  snapshot(): DetectorSnapshot {
    return { type: 'error-budget', version: 1, data: { spent: this.#spent, calls: this.#calls } };
  }

  restore(snapshot: DetectorSnapshot): void {
    const data = snapshot.data as { spent?: unknown; calls?: unknown } | null;
    if (snapshot.type !== 'error-budget' || snapshot.version !== 1 || typeof data?.spent !== 'number' || typeof data.calls !== 'number') {
      throw new TypeError(`not an error-budget snapshot: ${JSON.stringify(snapshot)}`);
    }
    this.#spent = data.spent;
    this.#calls = data.calls;
  }

  stats(): DetectorStats {
    return { failures: this.#spent, successes: this.#calls - this.#spent, calls: this.#calls, failureRate: null };
  }
}

let now = 0;
const clock = { now: () => now };
const options = { registry: false, clock, recoveryTimeout: 10_000, detector: () => new ErrorBudgetDetector(5) } as const;
const breaker = new CircuitBreaker('inventory', options);

const flaky = (ok: boolean): string => {
  if (!ok) throw new Error('503 from inventory');
  return 'in stock';
};

for (const ok of [true, false, false, true, false]) {
  try {
    breaker.call(flaky, ok);
  } catch {}
}
console.log('after 3 errors and 2 successes:', breaker.state, breaker.status().detector);

// Move the detector's state into a fresh breaker, as a restarted process would.
const saved = JSON.stringify(breaker.snapshot());
console.log('snapshot:', saved);
const restarted = new CircuitBreaker('inventory', { ...options, initialState: JSON.parse(saved) });
for (const ok of [false, false, false]) {
  try {
    restarted.call(flaky, ok);
  } catch {}
}
console.log('restarted breaker after 3 more errors:', restarted.state);
try {
  restarted.call(flaky, true);
} catch (error) {
  if (isCircuitOpenError(error)) console.log(`rejected without calling: retry after ${error.retryAfterMs} ms`);
}
now += 10_000;
console.log('after the recovery timeout:', restarted.state);
if (restarted.state !== 'half_open') process.exit(1);
