import type { CircuitBreaker } from './breaker.js';
import { CircuitBreakerError, ErrorCode } from './errors.js';
import { type HealthOptions, type HealthReport, healthOf } from './health.js';
import type { CircuitBreakerOptions } from './options.js';
import { type CircuitState, circuitStates } from './state.js';
import type { BreakerStatus } from './status.js';
import { describeValue } from './validate.js';

type BreakerFactory = (name: string, options: CircuitBreakerOptions & { registry: Registry }) => CircuitBreaker;

// The breaker module installs its constructor here; importing it back would make a cycle.
let createBreaker: BreakerFactory | undefined;

/** @internal Called once by the breaker module. */
export function provideBreakerFactory(factory: BreakerFactory): void {
  createBreaker = factory;
}

let defaultRegistry: Registry | undefined;

/**
 * Maps names to circuit breakers. A named breaker joins the default registry unless its `registry`
 * option names another (or `false`). `new Registry()` gives an isolated one for tests or tenants.
 *
 * @example
 * const registry = new Registry();
 * const db = registry.getOrCreate('db', { failureThreshold: 3 });
 * app.get('/health/circuits', (_req, res) => res.json(registry.status()));
 */
export class Registry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  #addListeners: ReadonlyArray<(breaker: CircuitBreaker) => void> = [];

  /** The registry that `CircuitBreaker.get()` and the other static methods use. */
  static get default(): Registry {
    defaultRegistry ??= new Registry();
    return defaultRegistry;
  }

  /** Number of breakers in the registry. */
  get size(): number {
    return this.#breakers.size;
  }

  /**
   * Adds a breaker under its name. Breakers call this themselves on construction.
   * @throws {CircuitBreakerError} with code `ERR_CIRCUIT_BREAKER_DUPLICATE_NAME` when the name is taken.
   */
  register(breaker: CircuitBreaker): void {
    const existing = this.#breakers.get(breaker.name);
    if (existing !== undefined && existing !== breaker) {
      throw new CircuitBreakerError(
        ErrorCode.DUPLICATE_NAME,
        `A circuit breaker named "${breaker.name}" is already registered; use getOrCreate() to share it, another name, or \`registry: false\``,
      );
    }
    this.#breakers.set(breaker.name, breaker);
    if (existing === undefined) {
      for (const listener of this.#addListeners) {
        try {
          listener(breaker);
        } catch (error) {
          // A failing observer (metrics, logging) must not undo the registration; rethrow out of band.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }

  /**
   * Calls `listener` with every breaker added to this registry from now on (metrics adapters use it to
   * pick up breakers created later). Returns a function that removes the listener. A listener that
   * throws does not stop the registration: its error is rethrown in a microtask.
   * @example
   * const off = registry.onAdd((breaker) => breaker.on('stateChange', log));
   */
  onAdd(listener: (breaker: CircuitBreaker) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected \`listener\` to be a function, got ${describeValue(listener)}`);
    this.#addListeners = [...this.#addListeners, listener];
    return () => {
      this.#addListeners = this.#addListeners.filter((l) => l !== listener);
    };
  }

  /**
   * The breaker registered under `name`.
   * @throws {CircuitBreakerError} with code `ERR_CIRCUIT_BREAKER_NOT_FOUND` for an unknown name.
   */
  get(name: string): CircuitBreaker {
    const breaker = this.#breakers.get(name);
    if (breaker === undefined) {
      const known = [...this.#breakers.keys()];
      throw new CircuitBreakerError(
        ErrorCode.BREAKER_NOT_FOUND,
        `No circuit breaker named ${describeValue(name)}; registered: ${known.length === 0 ? 'none' : known.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    return breaker;
  }

  /** The breaker registered under `name`, or `undefined`. */
  find(name: string): CircuitBreaker | undefined {
    return this.#breakers.get(name);
  }

  /**
   * The breaker registered under `name`, created with `options` the first time. Later calls return the
   * same instance and ignore their `options`: the first configuration wins.
   */
  getOrCreate(name: string, options: Omit<CircuitBreakerOptions, 'registry'> = {}): CircuitBreaker {
    const existing = this.#breakers.get(name);
    if (existing !== undefined) return existing;
    if (createBreaker === undefined) throw new Error('tripswitch: the breaker module was not loaded');
    return createBreaker(name, { ...options, registry: this });
  }

  /** Whether a breaker is registered under `name`. */
  has(name: string): boolean {
    return this.#breakers.has(name);
  }

  /**
   * Sets or replaces the fallback of the breaker registered under `name` (see {@link CircuitBreaker.setFallback}).
   * @throws {CircuitBreakerError} (code `ERR_CIRCUIT_BREAKER_NOT_FOUND`) for an unknown name.
   * @example
   * registry.setFallback('rates', () => cachedRates);
   */
  setFallback(name: string, fallback: Parameters<CircuitBreaker['setFallback']>[0]): void {
    this.get(name).setFallback(fallback);
  }

  /** Drops the breaker registered under `name` (per-key breakers would otherwise grow forever). */
  delete(name: string): boolean {
    return this.#breakers.delete(name);
  }

  /** Drops every breaker. */
  clear(): void {
    this.#breakers.clear();
  }

  /** Every registered name, in registration order. */
  names(): string[] {
    return [...this.#breakers.keys()];
  }

  /** Names of the breakers currently in `state`. */
  list(state: CircuitState): string[] {
    if (!circuitStates.includes(state))
      throw new TypeError(`Expected \`state\` to be one of ${circuitStates.join(', ')}, got ${describeValue(state)}`);
    return this.names().filter((name) => this.#breakers.get(name)?.state === state);
  }

  /** Resets every breaker to closed. */
  resetAll(): void {
    for (const breaker of this.#breakers.values()) breaker.reset();
  }

  /** The state of every breaker: `{ users: 'closed', payments: 'open' }`. */
  getAllStates(): Record<string, CircuitState> {
    const states: Record<string, CircuitState> = {};
    for (const [name, breaker] of this.#breakers) states[name] = breaker.state;
    return states;
  }

  /** The JSON-ready `status()` of every breaker, by name. */
  status(): Record<string, BreakerStatus> {
    const statuses: Record<string, BreakerStatus> = {};
    for (const [name, breaker] of this.#breakers) statuses[name] = breaker.status();
    return statuses;
  }

  /**
   * A health summary: `status` is `'degraded'` when any breaker is in an unhealthy state (by default
   * `open`, `half_open` or `forced_open`), `circuits` holds every breaker's `status()`, `unhealthy` their names.
   * @example
   * const report = registry.health();
   * res.statusCode = report.status === 'healthy' ? 200 : 503;
   */
  health(options?: HealthOptions): HealthReport {
    return healthOf(this, options);
  }

  [Symbol.iterator](): IterableIterator<CircuitBreaker> {
    return this.#breakers.values();
  }
}
