import type { CircuitState } from '../../src/index.js';

/**
 * The detector as the reference model sees it (README "Choosing a detector"): which calls it looks at
 * and when it says trip. Thresholds are rates (0–1) or counts, durations are ms.
 */
export type DetectorConfig =
  | { readonly type: 'consecutive'; readonly failureThreshold: number }
  | { readonly type: 'timeWindow'; readonly failureThreshold: number; readonly timeWindow: number }
  | {
      readonly type: 'countWindow';
      readonly windowSize: number;
      readonly minimumCalls: number;
      readonly failureRateThreshold: number;
      /** Unset: slow calls are not rated. */
      readonly slowCallDuration?: number;
      readonly slowCallRateThreshold: number;
    }
  | {
      readonly type: 'slowCalls';
      readonly windowSize: number;
      readonly minimumCalls: number;
      readonly slowCallDuration: number;
      readonly slowCallRateThreshold: number;
    };

/** `recoveryTimeout`: a constant number of ms, or exponential backoff (`maxDelay` unset: 10 × `initialDelay`). */
export type RecoveryConfig = number | { readonly initialDelay: number; readonly multiplier: number; readonly maxDelay?: number };

/** The breaker's configuration as the reference model sees it. */
export interface ModelConfig {
  readonly detector: DetectorConfig;
  readonly successThreshold: number;
  readonly halfOpenMaxCalls: number;
  readonly recovery: RecoveryConfig;
  /** Unset: a half-open breaker waits for its trials however long. */
  readonly halfOpenMaxWait?: number;
  /** Unset: async calls never time out. */
  readonly timeout?: number;
  /** A `stateChange` listener that calls back into the breaker when it enters `on` (re-entrant transitions). */
  readonly reaction?: Reaction;
  /**
   * A store that records the transitions it is told and grants every probe at once. With a store, only a
   * call moves a due open breaker to half-open (reading the state does not ask for the probe lease).
   */
  readonly store?: boolean;
  /** Hooks that throw on every use (listeners, `isFailure`, the store's `transitioned`): they must change nothing. */
  readonly throwingHooks?: boolean;
}

/** A listener's re-entrant call: when the breaker enters `on`, it calls `breaker[action]()`. */
export interface Reaction {
  readonly on: CircuitState;
  readonly action: 'reset' | 'trip' | 'disable';
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

/** One counted call, as a detector remembers it. */
interface CountedCall {
  readonly failed: boolean;
  readonly durationMs: number;
  /** When the outcome arrived. */
  readonly at: number;
}

/** What a snapshot carries: the state, its times (readings of the shared clock), the backoff step, the detector's calls. */
export interface ModelSnapshot {
  readonly state: CircuitState;
  readonly since: number;
  readonly openUntil: number;
  readonly attempt: number;
  readonly calls: readonly CountedCall[];
}

/** The time every model and breaker of one history reads. */
export interface SharedTime {
  now: number;
}

/**
 * A naive detector: it keeps every counted call since its last reset and answers from the last ones.
 * Consecutive: failures at the end of the list. Time window: failures less than `timeWindow` ms old. Count window: the last `windowSize` calls, once there are
 * `minimumCalls` of them, trip at failure rate >= threshold (or slow rate, when `slowCallDuration` is set).
 * Slow calls: the same window, slow rate only; a call is slow when it took longer than `slowCallDuration`.
 */
export class DetectorModel {
  readonly config: DetectorConfig;
  readonly time: SharedTime;
  calls: CountedCall[] = [];

  constructor(config: DetectorConfig, time: SharedTime) {
    this.config = config;
    this.time = time;
  }

  record(failed: boolean, durationMs: number): void {
    this.calls.push({ failed, durationMs, at: this.time.now });
  }

  /** The breaker asks after every failure, and after successes too when the detector measures durations. */
  get measuresDurations(): boolean {
    return this.config.type === 'slowCalls' || (this.config.type === 'countWindow' && this.config.slowCallDuration !== undefined);
  }

  shouldTrip(): boolean {
    const c = this.config;
    const { failures, calls, slowCalls } = this.stats();
    if (c.type === 'consecutive' || c.type === 'timeWindow') return failures >= c.failureThreshold;
    if (calls < c.minimumCalls) return false;
    const slowTrips = c.slowCallDuration !== undefined && slowCalls / calls >= c.slowCallRateThreshold;
    return c.type === 'countWindow' ? failures / calls >= c.failureRateThreshold || slowTrips : slowTrips;
  }

  /** Why it trips: failures when the failure rate is over its threshold, slow calls otherwise. */
  tripReason(): 'failure_threshold' | 'slow_call_rate' {
    const c = this.config;
    if (c.type === 'slowCalls') return 'slow_call_rate';
    if (c.type !== 'countWindow') return 'failure_threshold';
    const { failures, calls } = this.stats();
    return failures / calls >= c.failureRateThreshold ? 'failure_threshold' : 'slow_call_rate';
  }

  /** The figures `status().detector` reports (slowCalls is 0 where slow calls are not measured). */
  stats(): { failures: number; calls: number; slowCalls: number } {
    const c = this.config;
    if (c.type === 'consecutive') {
      let inARow = 0;
      while (inARow < this.calls.length && this.calls[this.calls.length - 1 - inARow]?.failed) inARow++;
      return { failures: inARow, calls: inARow, slowCalls: 0 };
    }
    if (c.type === 'timeWindow') {
      // It remembers the last `failureThreshold` failures, all it needs to decide (more only pile up while disabled).
      const recent = this.calls
        .filter((call) => call.failed)
        .slice(-c.failureThreshold)
        .filter((call) => this.time.now - call.at < c.timeWindow).length;
      return { failures: recent, calls: recent, slowCalls: 0 };
    }
    const window = this.calls.slice(-c.windowSize);
    const slowCalls =
      c.slowCallDuration === undefined ? 0 : window.filter((call) => call.durationMs > (c.slowCallDuration as number)).length;
    const failures = c.type === 'slowCalls' ? 0 : window.filter((call) => call.failed).length;
    return { failures, calls: window.length, slowCalls };
  }
}

/**
 * A plain reference model of the breaker's state machine, written from README "How it behaves",
 * "Recovery backoff", "Hung trials", "Per-call timeout" and "Saving and restoring state" without
 * looking at how the breaker stores things: the detector decides while closed, half-open trial slots,
 * lazy recovery and trial-wait checks (on a call or a read of the state), the backoff step per opening
 * in a row, manual states, snapshots, and generations (an outcome that arrives after the state changed,
 * or after a restore, decides nothing). Kept deliberately naive so that a divergence points at the breaker.
 */
export class BreakerModel {
  readonly config: ModelConfig;
  readonly time: SharedTime;
  readonly detector: DetectorModel;
  state: CircuitState = 'closed';
  /** When the current state was entered. */
  since: number;
  openUntil = 0;
  /** Openings in a row (1 when it opened from closed), while open or half-open. */
  attempt = 1;
  trialsInFlight = 0;
  trialSuccesses = 0;
  /** Start of the current wait for a trial outcome, for `halfOpenMaxWait`. */
  waitingSince = 0;
  generation = 0;
  readonly transitions: ModelTransition[] = [];
  readonly totals = { successes: 0, failures: 0, rejected: 0, ignored: 0, fallbacks: 0 };
  /** Outcomes that arrived after the state had changed (counted, but deciding nothing). */
  staleOutcomes = 0;

  constructor(config: ModelConfig, time: SharedTime) {
    this.config = config;
    this.time = time;
    this.detector = new DetectorModel(config.detector, time);
    this.since = time.now;
  }

  /** The recovery timeout of the `attempt`-th opening in a row. */
  delay(attempt: number): number {
    const r = this.config.recovery;
    if (typeof r === 'number') return r;
    return Math.min(r.maxDelay ?? 10 * r.initialDelay, r.initialDelay * r.multiplier ** (attempt - 1));
  }

  /**
   * Reading the state (or calling) moves a due open breaker to half-open (with a store: only a call), or
   * reopens a half-open one whose trials waited too long.
   */
  observe(byCall = false): CircuitState {
    if (this.state === 'open' && this.time.now >= this.openUntil && (byCall || this.config.store !== true)) {
      this.#moveTo('half_open', 'recovery_timeout');
    } else this.#expireTrialWait();
    return this.state;
  }

  /** A half-open breaker whose trials gave no outcome for `halfOpenMaxWait` reopens; an outcome arriving later does not count. */
  #expireTrialWait(): void {
    const maxWait = this.config.halfOpenMaxWait;
    if (this.state === 'half_open' && maxWait !== undefined && this.trialsInFlight > 0 && this.time.now - this.waitingSince >= maxWait) {
      this.#moveTo('open', 'trial_timed_out', this.attempt + 1);
    }
  }

  /** Whether a call arriving now runs; a refused call is counted as rejected. */
  admit(): { admitted: true; generation: number } | { admitted: false; rejection: ModelRejection } {
    const state = this.observe(true);
    const runs =
      state === 'closed' || state === 'disabled' || (state === 'half_open' && this.trialsInFlight < this.config.halfOpenMaxCalls);
    if (!runs) {
      this.totals.rejected++;
      const retryAfterMs = state === 'open' ? Math.max(0, this.openUntil - this.time.now) : state === 'half_open' ? 0 : null;
      return { admitted: false, rejection: { state, retryAfterMs } };
    }
    if (state === 'half_open') {
      if (this.trialsInFlight === 0) this.waitingSince = this.time.now;
      this.trialsInFlight++;
    }
    return { admitted: true, generation: this.generation };
  }

  succeeded(generation: number, durationMs: number): void {
    this.totals.successes++;
    this.#expireTrialWait();
    if (this.#stale(generation)) return;
    if (this.state === 'closed') {
      this.detector.record(false, durationMs);
      if (this.detector.shouldTrip()) this.#moveTo('open', this.detector.tripReason(), 1);
    } else if (this.state === 'disabled') {
      this.detector.record(false, durationMs); // disabled: recorded, never trips
    } else if (this.state === 'half_open') {
      this.trialsInFlight--;
      this.trialSuccesses++;
      this.waitingSince = this.time.now;
      if (this.trialSuccesses >= this.config.successThreshold) this.#moveTo('closed', 'trial_succeeded');
    }
  }

  failed(generation: number, durationMs: number): void {
    this.totals.failures++;
    this.#expireTrialWait();
    if (this.#stale(generation)) return;
    if (this.state === 'closed') {
      this.detector.record(true, durationMs);
      if (this.detector.shouldTrip()) this.#moveTo('open', this.detector.tripReason(), 1);
    } else if (this.state === 'disabled') {
      this.detector.record(true, durationMs);
    } else if (this.state === 'half_open') {
      this.trialsInFlight--;
      this.#moveTo('open', 'trial_failed', this.attempt + 1);
    }
  }

  ignored(generation: number): void {
    this.totals.ignored++;
    this.#expireTrialWait();
    if (this.#stale(generation) || this.state !== 'half_open') return;
    this.trialsInFlight--;
    this.waitingSince = this.time.now;
  }

  /** Forgets the detector's calls; calls in flight no longer count, also when it was closed already. */
  reset(): void {
    this.detector.calls = [];
    if (this.state !== 'closed') this.#moveTo('closed', 'manual_reset');
    else this.generation++;
  }

  trip(): void {
    if (this.state !== 'forced_open') this.#moveTo('forced_open', 'manual_trip');
  }

  disable(): void {
    if (this.state !== 'disabled') this.#moveTo('disabled', 'manual_disable');
  }

  /** Taking a snapshot reads the state first (so it settles a due lazy move). */
  snapshot(): ModelSnapshot {
    const state = this.observe();
    return { state, since: this.since, openUntil: this.openUntil, attempt: this.attempt, calls: [...this.detector.calls] };
  }

  /** Resumes from a snapshot: no trial in flight, the detector's calls kept, calls already in flight no longer count. */
  restore(s: ModelSnapshot, listening = true): void {
    const changed = s.state !== this.state;
    if (changed) this.transitions.push({ from: this.state, to: s.state, reason: 'restored' });
    this.state = s.state;
    this.since = s.since;
    this.openUntil = s.openUntil;
    this.attempt = s.attempt;
    this.detector.calls = [...s.calls];
    this.generation++;
    this.trialsInFlight = 0;
    this.trialSuccesses = 0;
    this.waitingSince = this.time.now;
    // A restore in the constructor (`initialState`) runs before any listener of ours is added.
    const reaction = this.config.reaction;
    if (changed && listening && reaction !== undefined && reaction.on === s.state) this[reaction.action]();
  }

  #stale(generation: number): boolean {
    if (generation === this.generation) return false;
    this.staleOutcomes++;
    return true;
  }

  #moveTo(to: CircuitState, reason: string, attempt = this.attempt): void {
    const now = this.time.now;
    this.transitions.push({ from: this.state, to, reason });
    this.state = to;
    this.since = now;
    this.generation++;
    this.trialsInFlight = 0;
    this.trialSuccesses = 0;
    this.waitingSince = now;
    this.attempt = to === 'closed' ? 1 : attempt;
    if (to === 'open') this.openUntil = now + this.delay(attempt);
    // The detector keeps the calls that tripped it while open (status shows them) and starts afresh on closing.
    if (to === 'closed') this.detector.calls = [];
    // A listener's re-entrant call runs once this transition is committed; its transition follows this one.
    const reaction = this.config.reaction;
    if (reaction !== undefined && reaction.on === to) this[reaction.action]();
  }
}
