import type { CircuitState } from '../../src/index.js';

/** The breaker's configuration as the reference model sees it. */
export interface ModelConfig {
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly halfOpenMaxCalls: number;
  readonly recoveryTimeout: number;
}

/** One expected `stateChange` event. */
export interface ModelTransition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: string;
}

/** How a call is answered when the breaker refuses it. */
export interface ModelRejection {
  readonly state: CircuitState;
  readonly retryAfterMs: number | null;
}

/**
 * A plain reference model of the breaker's state machine, written from DESIGN.md without looking at
 * how the breaker stores things: the consecutive-failures rule, half-open trial slots, the lazy
 * recovery timeout, manual states, and generations (an outcome that arrives after the state changed
 * decides nothing). Kept deliberately naive so that a divergence points at the breaker.
 */
export class BreakerModel {
  readonly config: ModelConfig;
  now = 0;
  state: CircuitState = 'closed';
  openUntil = 0;
  /** Failures in a row while closed. */
  consecutiveFailures = 0;
  trialsInFlight = 0;
  trialSuccesses = 0;
  generation = 0;
  readonly transitions: ModelTransition[] = [];
  readonly totals = { successes: 0, failures: 0, rejected: 0, ignored: 0 };
  /** Outcomes that arrived after the state had changed (counted, but deciding nothing). */
  staleOutcomes = 0;

  constructor(config: ModelConfig) {
    this.config = config;
  }

  /** Reading the state (or calling) moves an open breaker whose timeout has passed to half-open. */
  observe(): CircuitState {
    if (this.state === 'open' && this.now >= this.openUntil) this.#moveTo('half_open', 'recovery_timeout');
    return this.state;
  }

  /** Whether a call arriving now runs; a refused call is counted as rejected. */
  admit(): { admitted: true; generation: number } | { admitted: false; rejection: ModelRejection } {
    const state = this.observe();
    const runs =
      state === 'closed' || state === 'disabled' || (state === 'half_open' && this.trialsInFlight < this.config.halfOpenMaxCalls);
    if (!runs) {
      this.totals.rejected++;
      const retryAfterMs = state === 'open' ? Math.max(0, this.openUntil - this.now) : state === 'half_open' ? 0 : null;
      return { admitted: false, rejection: { state, retryAfterMs } };
    }
    if (state === 'half_open') this.trialsInFlight++;
    return { admitted: true, generation: this.generation };
  }

  succeeded(generation: number): void {
    this.totals.successes++;
    if (this.#stale(generation)) return;
    if (this.state === 'closed') this.consecutiveFailures = 0;
    else if (this.state === 'half_open') {
      this.trialsInFlight--;
      this.trialSuccesses++;
      if (this.trialSuccesses >= this.config.successThreshold) this.#moveTo('closed', 'trial_succeeded');
    }
  }

  failed(generation: number): void {
    this.totals.failures++;
    if (this.#stale(generation)) return;
    if (this.state === 'closed') {
      this.consecutiveFailures++;
      if (this.consecutiveFailures >= this.config.failureThreshold) this.#moveTo('open', 'failure_threshold');
    } else if (this.state === 'half_open') {
      this.trialsInFlight--;
      this.#moveTo('open', 'trial_failed');
    }
  }

  ignored(generation: number): void {
    this.totals.ignored++;
    if (!this.#stale(generation) && this.state === 'half_open') this.trialsInFlight--;
  }

  reset(): void {
    this.consecutiveFailures = 0;
    if (this.state !== 'closed') this.#moveTo('closed', 'manual_reset');
  }

  trip(): void {
    if (this.state !== 'forced_open') this.#moveTo('forced_open', 'manual_trip');
  }

  disable(): void {
    if (this.state !== 'disabled') this.#moveTo('disabled', 'manual_disable');
  }

  #stale(generation: number): boolean {
    if (generation === this.generation) return false;
    this.staleOutcomes++;
    return true;
  }

  #moveTo(to: CircuitState, reason: string): void {
    this.transitions.push({ from: this.state, to, reason });
    this.state = to;
    this.generation++;
    this.trialsInFlight = 0;
    this.trialSuccesses = 0;
    if (to === 'open') this.openUntil = this.now + this.config.recoveryTimeout;
    if (to === 'open' || to === 'closed') this.consecutiveFailures = 0;
  }
}
