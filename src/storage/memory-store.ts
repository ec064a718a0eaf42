import { type Clock, monotonicClock } from '../clock.js';
import { MemoryCounting } from './memory-counting.js';
import { resolveSharedCounting, type SharedCountingOptions } from './shared-counting.js';
import type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from './state-store.js';

/** Options of a {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /**
   * The clock that times how long the shared state stays open.
   * @default performance.now()
   */
  readonly clock?: Clock;
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
  | { readonly state: 'half_open'; readonly holder: BreakerPort; readonly attempt: number };

const closed: { readonly state: 'closed' } = Object.freeze({ state: 'closed' });

/**
 * A {@link StateStore} that shares state between breakers of the same name in one JavaScript realm,
 * synchronously: when one opens, the others open at once (reason `'remote'`); after the recovery
 * timeout exactly one of them holds the probe lease and runs up to `halfOpenMaxCalls` trial calls,
 * the others keep rejecting until it closes or reopens the circuit for all of them.
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
  readonly #peers = new Map<string, Set<BreakerPort>>();
  readonly #shared = new Map<string, Shared>();
  readonly #counting: MemoryCounting | undefined;

  constructor(options: MemoryStateStoreOptions = {}) {
    const clock = options.clock ?? monotonicClock;
    if (typeof (clock as Clock | null)?.now !== 'function') {
      throw new TypeError(`Expected \`clock\` to be an object with a now() method, got ${String(clock)}`);
    }
    this.#clock = clock;
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
    if (current?.state === 'open') {
      const remainingMs = current.until - this.#clock.now();
      if (remainingMs > 0) port.applyRemote({ state: 'open', remainingMs, attempt: current.attempt });
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
    const current = this.#shared.get(port.name) ?? closed;
    if (current.state === 'open' && this.#clock.now() < current.until) {
      port.applyRemote({ state: 'open', remainingMs: current.until - this.#clock.now(), attempt: current.attempt });
      return;
    }
    if (current.state === 'half_open' && current.holder !== port) {
      // A peer is probing: stay open and ask again on a later call.
      port.applyRemote({ state: 'open', remainingMs: 0, attempt: current.attempt });
      return;
    }
    const attempt = current.state === 'closed' ? 1 : current.attempt;
    this.#shared.set(port.name, { state: 'half_open', holder: port, attempt });
    if (!port.grantProbe()) this.#release(port);
  }

  /** Gives back the lease `port` holds; the circuit is then due for another probe. */
  #release(port: BreakerPort): void {
    const current = this.#shared.get(port.name);
    if (current?.state === 'half_open' && current.holder === port) {
      this.#shared.set(port.name, { state: 'open', until: this.#clock.now(), attempt: current.attempt });
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
