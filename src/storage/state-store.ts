import type { TransitionReason } from '../events.js';
import type { CircuitState } from '../state.js';

/**
 * The state a breaker shares with its peers. Times cross the boundary as durations, never as clock
 * readings: each side keeps its own clock (a breaker's monotonic clock, Redis's `TIME`).
 *
 * - `open`: calls are rejected for `remainingMs` more; `attempt` counts consecutive opens (for backoff).
 * - `closed`: calls pass.
 */
export type SharedState = { readonly state: 'open'; readonly remainingMs: number; readonly attempt: number } | { readonly state: 'closed' };

/** A transition a breaker made on its own (never one it applied from its store). */
export interface LocalTransition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  /** Milliseconds the breaker stays open, when `to` is `open`; `0` otherwise. */
  readonly remainingMs: number;
  /** Consecutive opens so far, when `to` is `open` or `half_open`; `0` otherwise. */
  readonly attempt: number;
}

/**
 * What a store may do to a breaker attached to it. The breaker builds it once, at construction, and
 * hands it to {@link StateStore.attach}; it is not part of the breaker's public surface.
 */
export interface BreakerPort {
  /** The breaker's name: breakers of the same name attached to stores that share a backend are peers. */
  readonly name: string;
  /**
   * Applies a transition decided by a peer. The breaker changes state with reason `'remote'` (emitting
   * `stateChange` when the state changes) and does not tell the store back. A breaker already open only
   * takes the new remaining time. A breaker in a manual state (`forced_open`, `disabled`) ignores it.
   */
  applyRemote(state: SharedState): void;
  /**
   * Grants the probe lease the breaker asked for with {@link StoreLink.requestProbe}: an open breaker
   * moves to half-open (reason `'recovery_timeout'`). Returns `false` when the breaker is no longer
   * open, so the store can give the lease back.
   */
  grantProbe(): boolean;
  /** The breaker's own state as it would share it: `null` while half-open or in a manual state. */
  sharedState(): SharedState | null;
  /**
   * Whether the breaker is half-open with a trial call in flight (`halfOpenMaxWait` settled first: a
   * trial waiting longer reopens the breaker, which then answers `false`). A store renews a probe lease
   * only while this holds.
   */
  probing(): boolean;
  /**
   * How long a fleet-wide trip of shared counting opens the breaker: its first recovery timeout (the
   * backoff's first step). Optional: a store uses 60 000 ms for a port without it.
   */
  openMs?(): number;
}

/** A breaker's connection to its store, returned by {@link StateStore.attach}. */
export interface StoreLink {
  /**
   * The breaker changed state on its own. Called synchronously from the transition, so it must not
   * block: a remote store writes in the background.
   */
  transitioned(change: LocalTransition): void;
  /**
   * The breaker's recovery timeout has passed and it wants to probe. The breaker keeps rejecting
   * until the store answers, exactly once, with {@link BreakerPort.grantProbe} (the fleet-wide lease
   * is ours, or the backend cannot be reached and the breaker decides alone) or with
   * {@link BreakerPort.applyRemote} (a peer holds the lease or the circuit is open for longer).
   * The answer may come synchronously, from inside this call.
   */
  requestProbe(): void;
  /**
   * The outcome of a call counted while closed (`true` for a failure), for a store's shared counting
   * mode; absent otherwise. On the call's path: it must only count, never do I/O.
   */
  counted?(failure: boolean): void;
  /** Detaches the breaker: the store forgets it and gives back any lease it holds. */
  detach(): void;
}

/**
 * Shares circuit state between breakers of the same name, in one process or across many. A breaker
 * attached to a store still decides every call locally and synchronously; the store only carries
 * transitions between peers and coordinates the half-open probe. Implementations: the in-process
 * {@link MemoryStateStore}, and `RedisStateStore` from `tripswitch/redis`.
 *
 * @example
 * const store = new MemoryStateStore();
 * const a = new CircuitBreaker('payments', { store, registry: false });
 * const b = new CircuitBreaker('payments', { store, registry: false });
 * // a opens: b opens too (reason 'remote'); after the recovery timeout only one of them probes.
 */
export interface StateStore {
  /** Attaches a breaker; called once by the breaker's constructor. */
  attach(breaker: BreakerPort): StoreLink;
}
