import { type Clock, monotonicClock } from '../clock.js';
import { checkKnownKeys, invalid } from '../validate.js';
import { boundedDuration, leaseRenewable } from './lease.js';
import { MemoryCounting } from './memory-counting.js';
import { resolveSharedCounting, type SharedCountingOptions } from './shared-counting.js';
import type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from './state-store.js';

/** Options of a {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /**
   * The clock that times open periods and probe leases.
   * @default performance.now()
   */
  readonly clock?: Clock;
  /**
   * How long the probe lease lasts once its holder has no trial call running: a holder idle after a
   * success, or detached, lets a peer probe this long after its last trial ended.
   * @default 15000
   */
  readonly leaseTtl?: number;
  /**
   * The longest one trial keeps the lease by running (a hung trial of a breaker without
   * `halfOpenMaxWait`); the lease then lapses `leaseTtl` later.
   * @default 60000
   */
  readonly maxProbeTime?: number;
  /**
   * Shared counting: the breakers of a name count their outcomes together (in batches, every
   * `flushInterval`) and all open when the totals break the rule; see {@link SharedCountingOptions}.
   * @default false
   */
  readonly sharedCounting?: boolean | SharedCountingOptions;
}

/** The state of one name, as the peers share it. */
type Shared =
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly until: number; readonly attempt: number }
  | { readonly state: 'half_open'; readonly holder: BreakerPort; readonly attempt: number; readonly grantedAt: number; until: number };

const closed: { readonly state: 'closed' } = Object.freeze({ state: 'closed' });
const optionNames: ReadonlySet<string> = new Set(['clock', 'leaseTtl', 'maxProbeTime', 'sharedCounting']);

/**
 * A {@link StateStore} that shares state between breakers of the same name in one JavaScript realm,
 * synchronously: when one opens, the others open at once (reason `'remote'`); after the recovery
 * timeout exactly one of them holds the probe lease and runs up to `halfOpenMaxCalls` trial calls at
 * a time, the others keep rejecting until it closes or reopens the circuit for all of them. A holder
 * with no trial running keeps the lease for `leaseTtl` more, then a peer may take it over.
 *
 * Breakers without a store decide alone, which is the embedded default; use this store to share one
 * circuit between several breaker instances (per-tenant registries, say) or to test code written for
 * `RedisStateStore` without Redis.
 *
 * @example
 * const store = new MemoryStateStore();
 * const a = new CircuitBreaker('payments', { store, registry: false });
 * const b = new CircuitBreaker('payments', { store, registry: false });
 * a.trip(); // manual states stay local; failures that open `a` open `b` too
 */
export class MemoryStateStore implements StateStore {
  readonly #clock: Clock;
  readonly #leaseTtl: number;
  readonly #maxProbeTime: number;
  readonly #peers = new Map<string, Set<BreakerPort>>();
  readonly #shared = new Map<string, Shared>();
  readonly #counting: MemoryCounting | undefined;

  /** @throws {TypeError | RangeError} for an invalid option, naming it. */
  constructor(options: MemoryStateStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys('MemoryStateStore', options, optionNames);
    const clock = options.clock ?? monotonicClock;
    if (typeof (clock as Clock | null)?.now !== 'function') {
      throw new TypeError(`Expected \`clock\` to be an object with a now() method, got ${String(clock)}`);
    }
    this.#clock = clock;
    this.#leaseTtl = options.leaseTtl === undefined ? 15_000 : boundedDuration('leaseTtl', options.leaseTtl);
    this.#maxProbeTime = options.maxProbeTime === undefined ? 60_000 : boundedDuration('maxProbeTime', options.maxProbeTime);
    // Shared counting (see memory-counting.ts): validated here, hooked into attach() and #transitioned().
    const rule = resolveSharedCounting(options.sharedCounting);
    this.#counting =
      rule && new MemoryCounting(rule, clock, { closed: (name) => this.#isClosed(name), trip: (name, ms) => this.#fleetTrip(name, ms) });
  }

  /** Attaches a breaker; called by the breaker's constructor. */
  attach(port: BreakerPort): StoreLink {
    const name = port.name;
    let peers = this.#peers.get(name);
    if (peers === undefined) {
      peers = new Set();
      this.#peers.set(name, peers);
    }
    peers.add(port);
    const current = this.#shared.get(name);
    const own = port.sharedState();
    const now = this.#clock.now();
    if (own?.state === 'open' && own.remainingMs > 0 && !(current?.state === 'open' && current.until >= now + own.remainingMs)) {
      // A breaker restored open (`initialState`) shares it, like any open it decides.
      this.#transitioned(port, { from: 'closed', to: 'open', reason: 'restored', remainingMs: own.remainingMs, attempt: own.attempt });
    } else if (current?.state === 'open' && current.until > now) {
      port.applyRemote({ state: 'open', remainingMs: current.until - now, attempt: current.attempt });
    }
    const link: StoreLink = {
      transitioned: (change) => this.#transitioned(port, change),
      requestProbe: () => this.#requestProbe(port),
      detach: () => {
        this.#release(port);
        peers.delete(port);
        if (peers.size === 0) {
          this.#peers.delete(name);
          this.#shared.delete(name);
        }
      },
    };
    return this.#counting === undefined ? link : this.#counting.link(port, link);
  }

  #transitioned(port: BreakerPort, change: LocalTransition): void {
    if (change.to === 'open' || change.to === 'closed') this.#counting?.reset(port.name);
    if (change.from === 'half_open') this.#release(port);
    if (change.to === 'open') {
      const now = this.#clock.now();
      const current = this.#shared.get(port.name);
      let until = now + change.remainingMs;
      if (current?.state === 'open' && current.until > until) until = current.until;
      this.#shared.set(port.name, { state: 'open', until, attempt: change.attempt });
      this.#broadcast(port, { state: 'open', remainingMs: until - now, attempt: change.attempt });
    } else if (change.to === 'closed' && (change.from === 'open' || change.from === 'half_open')) {
      this.#shared.set(port.name, closed);
      this.#broadcast(port, closed);
    }
  }

  #requestProbe(port: BreakerPort): void {
    let current = this.#shared.get(port.name) ?? closed;
    if (current.state === 'half_open' && current.holder !== port && this.#held(current)) {
      // A peer is probing: stay open until its lease could lapse, then ask again.
      port.applyRemote({ state: 'open', remainingMs: current.until - this.#clock.now(), attempt: current.attempt });
      return;
    }
    // Settling the holder's wait may have reopened the circuit for everyone.
    current = this.#shared.get(port.name) ?? closed;
    const now = this.#clock.now();
    if (current.state === 'open' && now < current.until) {
      port.applyRemote({ state: 'open', remainingMs: current.until - now, attempt: current.attempt });
      return;
    }
    const attempt = current.state === 'closed' ? 1 : current.attempt;
    const previous = current.state === 'half_open' && current.holder !== port ? current.holder : undefined;
    this.#shared.set(port.name, { state: 'half_open', holder: port, attempt, grantedAt: now, until: now + this.#leaseTtl });
    // The old holder lost its lease: it stops admitting trials.
    previous?.applyRemote({ state: 'open', remainingMs: this.#leaseTtl, attempt });
    if (!port.grantProbe()) this.#release(port);
  }

  /** Whether a peer's lease still holds; renewed while its trial runs (for at most maxProbeTime). */
  #held(lease: Shared & { state: 'half_open' }): boolean {
    const probing = lease.holder.probing();
    if (this.#shared.get(lease.holder.name) !== lease) return false;
    const now = this.#clock.now();
    if (leaseRenewable(probing, lease.grantedAt, now, this.#maxProbeTime)) lease.until = now + this.#leaseTtl;
    return now < lease.until;
  }

  /** Gives back the lease `port` holds; the circuit is then due for another probe, and the peers hear so. */
  #release(port: BreakerPort): void {
    const current = this.#shared.get(port.name);
    if (current?.state === 'half_open' && current.holder === port) {
      this.#shared.set(port.name, { state: 'open', until: this.#clock.now(), attempt: current.attempt });
      this.#broadcast(port, { state: 'open', remainingMs: 0, attempt: current.attempt });
    }
  }

  #isClosed(name: string): boolean {
    return (this.#shared.get(name) ?? closed).state === 'closed';
  }

  /** Shared counting found the fleet's totals over the rule: every breaker of `name` opens. */
  #fleetTrip(name: string, remainingMs: number): void {
    this.#shared.set(name, { state: 'open', until: this.#clock.now() + remainingMs, attempt: 1 });
    for (const peer of this.#peers.get(name) ?? []) peer.applyRemote({ state: 'open', remainingMs, attempt: 1 });
  }

  #broadcast(origin: BreakerPort, state: SharedState): void {
    const peers = this.#peers.get(origin.name);
    if (peers === undefined) return;
    for (const peer of peers) if (peer !== origin) peer.applyRemote(state);
  }
}
