import { stepMs } from './backoff.js';
import type { Clock } from './clock.js';
import type { DetectorStats, FailureDetector } from './detectors/detector.js';
import type { Emitter, TransitionReason } from './events.js';
import { GuardedDetector } from './guarded-detector.js';
import type { ResolvedOptions } from './options.js';
import { type BreakerSnapshot, checkSnapshot, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { CircuitState } from './state.js';
import type { SharedState, StateStore, StoreLink } from './storage/state-store.js';
import { createPort } from './store-port.js';

/** The breaker's state with only the data each state needs. Times are readings of the clock. */
export type Inner =
  | { readonly state: 'closed'; readonly since: number }
  | { readonly state: 'open'; readonly since: number; readonly until: number; readonly attempt: number }
  | {
      readonly state: 'half_open';
      readonly since: number;
      readonly attempt: number;
      inFlight: number;
      successes: number;
      /** Start of the current wait for a trial outcome (entry, last outcome, or first trial admitted), for `halfOpenMaxWait`. */
      waitingSince: number;
    }
  | { readonly state: 'forced_open'; readonly since: number }
  | { readonly state: 'disabled'; readonly since: number };

/** A committed transition whose effects (store, `stateChange` listeners) have not run yet. */
interface Effect {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  /** Clock reading of the transition. */
  readonly since: number;
  readonly remainingMs: number;
  readonly attempt: number;
  readonly tellStore: boolean;
  /** The detector's figures as it tripped (for `stateChange` listeners), on a detector trip only. */
  readonly detector: DetectorStats | undefined;
}

/**
 * The state machine of one breaker: states, transitions and their effects, read top to bottom.
 *
 * Commit first, then notify: {@link StateMachine.transition} commits the new state (and bumps the
 * generation, so outcomes of calls admitted before no longer count), then runs the effects — the
 * store told, `stateChange` listeners called — from a queue. A listener or store that changes the
 * state again (`reset()`, `trip()`) commits at once and queues its effects behind the ones running,
 * so every observer sees the transitions in the order they happened and the last one told always
 * matches the state. User code (detector, backoff, store) is isolated: its errors are reported, never
 * thrown from here.
 */
export class StateMachine {
  inner: Inner;
  /** Bumped on every transition and reset; an outcome from an older generation no longer drives the state machine. */
  generation = 0;
  /**
   * `generation` while closed, `-1` in every other state: admission and a closed success read this one
   * field instead of the state and the generation. Kept in step by {@link StateMachine.#committed}.
   */
  closedGeneration = 0;
  /** The recovery timeout of the current opening (the backoff's first step while closed). */
  recoveryMs: number;
  lastStateChangeAt = Number.NaN;
  /** The clock reading when the breaker last opened or checked an open state, so a rejection reads the clock once. */
  checkedAt = 0;
  /** Set when a `store` is attached: carries transitions to peers and coordinates the probe. */
  link: StoreLink | undefined;
  readonly detector: FailureDetector;
  readonly #guarded: GuardedDetector;
  readonly #name: string;
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #events: Emitter;
  /** Whether the store has been asked for the probe lease and not answered yet. */
  #probeAsked = false;
  readonly #queue: Effect[] = [];
  #draining = false;

  constructor(name: string, options: ResolvedOptions, events: Emitter) {
    this.#name = name;
    this.#options = options;
    this.#clock = options.clock;
    this.#events = events;
    this.detector = options.detector;
    this.#guarded = new GuardedDetector(options.detector, events);
    this.recoveryMs = options.recoveryTimeout;
    this.inner = { state: CircuitState.CLOSED, since: this.#clock.now() };
  }

  // ---- Reading the state (lazy transitions are settled here) ----

  /** The current state; an open breaker past its recovery timeout moves to half-open, a half-open one past `halfOpenMaxWait` reopens. */
  current(): CircuitState {
    const inner = this.inner;
    if (inner.state === CircuitState.OPEN && this.link === undefined && this.#clock.now() >= inner.until) this.#toHalfOpen();
    else if (inner.state === CircuitState.HALF_OPEN) this.#checkTrialWait(inner);
    return this.inner.state;
  }

  /** Decides whether a call may run in a state other than closed; moves open to half-open when due. */
  admit(): boolean {
    let inner = this.inner;
    if (inner.state === CircuitState.OPEN) {
      const now = this.#clock.now();
      this.checkedAt = now;
      if (now < inner.until) return false;
      this.#recover();
      inner = this.inner;
    }
    // A trial wait that ran out reopens it; a listener may have moved it on again (re-read in both cases).
    if (inner.state === CircuitState.HALF_OPEN && this.#checkTrialWait(inner)) inner = this.inner;
    switch (inner.state) {
      case CircuitState.HALF_OPEN:
        if (inner.inFlight >= this.#options.halfOpenMaxCalls) return false;
        if (inner.inFlight++ === 0 && this.#options.halfOpenMaxWait !== undefined) inner.waitingSince = this.#clock.now();
        return true;
      case CircuitState.DISABLED:
      case CircuitState.CLOSED:
        return true;
      case CircuitState.FORCED_OPEN:
      case CircuitState.OPEN:
        return false;
      default:
        return unreachable(inner);
    }
  }

  // ---- Outcomes of calls admitted in `generation` ----

  /** A call succeeded. Closed: one detector update. Disabled: recorded only. Half-open: a good trial. */
  succeeded(durationMs: number, generation: number): void {
    // The hot path (closed, and no transition since the call was admitted) first and small enough to inline.
    if (generation === this.closedGeneration) {
      if (this.link?.counted !== undefined) this.#counted(false);
      if (this.#guarded.succeeded(durationMs)) this.#tripped();
    } else this.#succeededElse(durationMs, generation);
  }

  #succeededElse(durationMs: number, generation: number): void {
    if (!this.#isCurrent(generation)) return;
    const inner = this.inner;
    if (inner.state === CircuitState.HALF_OPEN) {
      inner.inFlight--;
      inner.successes++;
      inner.waitingSince = this.#clock.now();
      if (inner.successes >= this.#options.successThreshold) {
        this.transition({ state: CircuitState.CLOSED, since: this.#clock.now() }, 'trial_succeeded');
      }
    } else if (inner.state === CircuitState.DISABLED) this.#guarded.onSuccess(durationMs);
  }

  /** The detector says trip (while closed). */
  #tripped(): void {
    this.open(this.#guarded.tripReason(), 1);
  }

  /** A call failed (a counted error, or a result `isResultFailure` rejected, given as `error`). */
  failed(durationMs: number, error: unknown, generation: number): void {
    if (generation === this.closedGeneration) {
      this.#guarded.onFailure(durationMs, error);
      if (this.link?.counted !== undefined) this.#counted(true);
      if (this.#guarded.shouldTrip()) this.#tripped();
      return;
    }
    if (!this.#isCurrent(generation)) return;
    const inner = this.inner;
    if (inner.state === CircuitState.HALF_OPEN) {
      inner.inFlight--;
      this.open('trial_failed', inner.attempt + 1);
    } else if (inner.state === CircuitState.DISABLED) this.#guarded.onFailure(durationMs, error);
  }

  /** A call ended without deciding anything (an ignored error, a generator handed out): a trial frees its slot. */
  undecided(generation: number): void {
    const inner = this.#isCurrent(generation) ? this.inner : undefined;
    if (inner?.state === CircuitState.HALF_OPEN) {
      inner.inFlight--;
      inner.waitingSince = this.#clock.now();
    }
  }

  // ---- Manual control ----

  /** Closes and forgets counted failures; from closed it still drops the votes of calls in flight. */
  reset(): void {
    if (this.inner.state === CircuitState.CLOSED) {
      this.generation++;
      this.#committed();
      this.#guarded.reset();
    } else this.transition({ state: CircuitState.CLOSED, since: this.#clock.now() }, 'manual_reset');
  }

  /** Enters a manual state (`forced_open`, `disabled`) unless already there. */
  force(state: 'forced_open' | 'disabled', reason: 'manual_trip' | 'manual_disable'): void {
    if (this.inner.state !== state) this.transition({ state, since: this.#clock.now() }, reason);
  }

  /** The state as a snapshot (settling a due lazy transition first). */
  snapshot(): BreakerSnapshot {
    this.current();
    return encodeSnapshot(this.inner, this.#clock, this.#guarded.snapshot());
  }

  /** Resumes from a snapshot; see `CircuitBreaker.restore`. */
  restore(snapshot: BreakerSnapshot): void {
    const s = checkSnapshot(snapshot);
    this.#guarded.restore(s.detector);
    const next: Inner = decodeSnapshot(s, this.#clock);
    if (next.state === CircuitState.OPEN) this.recoveryMs = Math.max(0, next.until - next.since);
    else if (next.state === CircuitState.HALF_OPEN) this.recoveryMs = this.#step(next.attempt);
    if (next.state !== this.inner.state) this.transition(next, 'restored');
    else {
      // Same state, new times: no stateChange; calls already in flight no longer count.
      this.inner = next;
      this.generation++;
      this.#committed();
    }
  }

  /** The detector's figures; a throwing custom detector shows zeros (and is reported) rather than breaking `status()`. */
  detectorStats(): DetectorStats {
    return this.#guarded.stats();
  }

  // ---- Transitions ----

  /** Brings {@link StateMachine.closedGeneration} in step after `inner` or `generation` changed. */
  #committed(): void {
    this.closedGeneration = this.inner.state === CircuitState.CLOSED ? this.generation : -1;
  }

  /** Opens for the backoff step of `attempt` (1 from closed, +1 for each reopening from half-open). */
  open(reason: TransitionReason, attempt: number): void {
    const now = this.#clock.now();
    this.checkedAt = now;
    this.recoveryMs = this.#step(attempt);
    this.transition({ state: CircuitState.OPEN, since: now, until: now + this.recoveryMs, attempt }, reason);
  }

  /** The one place the state changes: commit, then run the effects in causal order. */
  transition(next: Inner, reason: TransitionReason): void {
    const from = this.inner.state;
    this.inner = next;
    this.generation++;
    this.#committed();
    this.lastStateChangeAt = next.since;
    this.#probeAsked = false;
    if (next.state === CircuitState.CLOSED) {
      this.recoveryMs = this.#options.recoveryTimeout;
      // A restore has just loaded the detector's window: keep it.
      if (reason !== 'restored') this.#guarded.reset();
    }
    const tellStore = this.link !== undefined && reason !== 'remote';
    if (!tellStore && !this.#events.has('stateChange')) return;
    const open = next.state === CircuitState.OPEN;
    const tripped = (reason === 'failure_threshold' || reason === 'slow_call_rate') && this.#events.has('stateChange');
    this.#queue.push({
      from,
      to: next.state,
      reason,
      since: next.since,
      remainingMs: open ? next.until - next.since : 0,
      attempt: open || next.state === CircuitState.HALF_OPEN ? next.attempt : 0,
      tellStore,
      detector: tripped ? this.#guarded.stats() : undefined,
    });
    if (this.#draining) return; // the loop below, further up the stack, runs it in turn
    this.#draining = true;
    try {
      for (let i = 0; i < this.#queue.length; i++) this.#notify(this.#queue[i] as Effect);
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
  }

  #notify(effect: Effect): void {
    const link = this.link;
    if (effect.tellStore && link !== undefined) {
      try {
        link.transitioned({
          from: effect.from,
          to: effect.to,
          reason: effect.reason,
          remainingMs: effect.remainingMs,
          attempt: effect.attempt,
        });
      } catch (error) {
        this.#events.report('store.transitioned', error);
      }
    }
    if (this.#events.has('stateChange')) {
      const at = Date.now() - (this.#clock.now() - effect.since);
      const event = { name: this.#name, from: effect.from, to: effect.to, reason: effect.reason, at };
      this.#events.emit('stateChange', effect.detector === undefined ? event : { ...event, detector: effect.detector });
    }
  }

  /** The recovery timeout has passed: probe, or with a store, ask it for the fleet-wide probe lease and keep rejecting meanwhile. */
  #recover(): void {
    const link = this.link;
    if (link === undefined) this.#toHalfOpen();
    else if (!this.#probeAsked) {
      this.#probeAsked = true;
      try {
        link.requestProbe();
      } catch (error) {
        this.#probeAsked = false; // ask again on the next call rather than wait forever
        this.#events.report('store.requestProbe', error);
      }
    }
  }

  #toHalfOpen(): void {
    const inner = this.inner;
    const attempt = inner.state === CircuitState.OPEN ? inner.attempt : 1;
    const now = this.#clock.now();
    this.transition(
      { state: CircuitState.HALF_OPEN, since: now, attempt, inFlight: 0, successes: 0, waitingSince: now },
      'recovery_timeout',
    );
  }

  /**
   * Whether an outcome of a call admitted in `generation` still drives the state machine. A half-open
   * wait that ran out is settled first, so the late outcome of an abandoned trial is not counted.
   */
  #isCurrent(generation: number): boolean {
    const inner = this.inner;
    if (inner.state === CircuitState.HALF_OPEN) this.#checkTrialWait(inner);
    return generation === this.generation;
  }

  /** Reopens a half-open breaker whose trials have waited longer than `halfOpenMaxWait` for an outcome; true if it did. */
  #checkTrialWait(inner: Inner & { state: 'half_open' }): boolean {
    const maxWait = this.#options.halfOpenMaxWait;
    if (maxWait === undefined || inner.inFlight === 0 || this.#clock.now() - inner.waitingSince < maxWait) return false;
    this.open('trial_timed_out', inner.attempt + 1);
    return true;
  }

  // ---- User code, isolated: an error is reported and the breaker carries on ----

  /** The backoff step for `attempt`; a throwing backoff falls back to the first step. */
  #step(attempt: number): number {
    try {
      return stepMs(this.#options.recoveryBackoff, attempt);
    } catch (error) {
      this.#events.report('backoff', error);
      return this.#options.recoveryTimeout;
    }
  }

  // ---- The store (see store-port.ts) ----

  /** Tells a store that counts fleet-wide (shared counting) the outcome of a closed call; a throwing store is reported. */
  #counted(failure: boolean): void {
    try {
      this.link?.counted?.(failure);
    } catch (error) {
      this.#events.report('store.counted', error);
    }
  }

  /** How long an open from closed lasts: the backoff's first step (what a fleet-wide trip of shared counting opens for). */
  firstOpenMs(): number {
    return this.#step(1);
  }

  /** Attaches to `store` (which may throw: then nothing is attached). */
  attach(store: StateStore): void {
    this.link = store.attach(createPort(this, this.#name, this.#clock));
  }

  /** Detaches from the store; see `CircuitBreaker.dispose`. */
  detach(): void {
    const link = this.link;
    this.link = undefined;
    try {
      link?.detach();
    } catch (error) {
      this.#events.report('store.detach', error);
    }
  }

  /** Ends the current open period now (same state, no event); false when not open. See `CircuitBreaker.endOpenPeriod`. */
  endOpenPeriod(): boolean {
    const inner = this.inner;
    if (inner.state !== CircuitState.OPEN) return false;
    this.inner = { state: CircuitState.OPEN, since: inner.since, until: this.#clock.now(), attempt: inner.attempt };
    this.#probeAsked = false;
    return true;
  }

  /** The store granted the probe lease: an open breaker moves to half-open; false when no longer open. */
  grantProbe(): boolean {
    if (this.inner.state !== CircuitState.OPEN) return false;
    this.#toHalfOpen();
    return true;
  }

  /** A peer's transition: taken with reason 'remote' and never told back to the store. Manual states win. */
  applyRemote(shared: SharedState): void {
    const inner = this.inner;
    if (inner.state === CircuitState.FORCED_OPEN || inner.state === CircuitState.DISABLED) return;
    const now = this.#clock.now();
    this.checkedAt = now;
    if (shared.state === CircuitState.CLOSED) {
      if (inner.state !== CircuitState.CLOSED) this.transition({ state: CircuitState.CLOSED, since: now }, 'remote');
    } else if (inner.state === CircuitState.OPEN) {
      // Same state, new end: no stateChange, but a fresh probe request once it passes.
      this.inner = { state: CircuitState.OPEN, since: inner.since, until: now + shared.remainingMs, attempt: shared.attempt };
      this.#committed();
      this.#probeAsked = false;
    } else {
      this.transition({ state: CircuitState.OPEN, since: now, until: now + shared.remainingMs, attempt: shared.attempt }, 'remote');
    }
  }
}

function unreachable(value: never): never {
  throw new Error(`tripswitch: unexpected state ${JSON.stringify(value)}`);
}
