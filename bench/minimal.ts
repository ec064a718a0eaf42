/**
 * The baseline: a circuit breaker as a careful engineer would write it by hand in a few lines — a state
 * flag, a consecutive-failure counter, try/catch, a recovery deadline. No events, no registry, no
 * fallback, no half-open trial limit. It rejects with a fresh error built without a stack (as tripswitch
 * does by default), so the open-state figures compare like with like.
 */

/** The minimal breaker's rejection. */
export class MinimalOpenError extends Error {
  override readonly name = 'MinimalOpenError';
}

function openError(): MinimalOpenError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = new MinimalOpenError('circuit open');
  Error.stackTraceLimit = limit;
  return error;
}

/** A hand-written breaker for async functions. */
export class MinimalBreaker {
  #open = false;
  #openUntil = 0;
  #failures = 0;
  readonly #threshold: number;
  readonly #recoveryMs: number;

  constructor(threshold = 5, recoveryMs = 60_000) {
    this.#threshold = threshold;
    this.#recoveryMs = recoveryMs;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#open && performance.now() < this.#openUntil) throw openError();
    try {
      const value = await fn();
      this.#failures = 0;
      this.#open = false;
      return value;
    } catch (error) {
      this.#onFailure();
      throw error;
    }
  }

  callSync<T>(fn: () => T): T {
    if (this.#open && performance.now() < this.#openUntil) throw openError();
    try {
      const value = fn();
      this.#failures = 0;
      this.#open = false;
      return value;
    } catch (error) {
      this.#onFailure();
      throw error;
    }
  }

  #onFailure(): void {
    if (++this.#failures >= this.#threshold) {
      this.#open = true;
      this.#openUntil = performance.now() + this.#recoveryMs;
    }
  }
}
