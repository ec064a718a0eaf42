import type { CircuitBreaker } from './breaker.js';
import { CircuitBreakerError, ErrorCode } from './errors.js';
import { type HealthOptions, type HealthReport, healthOf } from './health.js';
import { breakerOptionNames, type CircuitBreakerOptions } from './options.js';
import { type CircuitState, circuitStates } from './state.js';
import type { BreakerStatus } from './status.js';
import { checkBreaker, checkKnownKeys, checkName, describeValue, invalid } from './validate.js';

type BreakerFactory = (name: string, options: CircuitBreakerOptions & { registry: Registry }) => CircuitBreaker;

// The breaker module installs its constructor here; importing it back would make a cycle.
let createBreaker: BreakerFactory | undefined;

const registryOptionNames: ReadonlySet<string> = new Set(['breakers']);
const configurableOptionNames: ReadonlySet<string> = new Set([...breakerOptionNames].filter((n) => n !== 'registry'));

/** @internal Called once by the breaker module. */
export function provideBreakerFactory(factory: BreakerFactory): void {
  createBreaker = factory;
}

// One default registry per process, shared by every copy of the package loaded in it (ESM and CJS side
// by side, or two bundles): a breaker created by a CommonJS dependency shows in the ESM health report.
const defaultRegistryKey = Symbol.for('tripswitch.registry.default.v1');

/** Options of `new Registry(options)`. */
export interface RegistryOptions {
  /**
   * Options by breaker name, used when `getOrCreate(name)` (or a decorator, or `CircuitBreaker.getOrCreate`)
   * creates that breaker; see {@link Registry.configure}.
   */
  readonly breakers?: Readonly<Record<string, Omit<CircuitBreakerOptions, 'registry'>>>;
}

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
  #removeListeners: ReadonlyArray<(breaker: CircuitBreaker) => void> = [];
  /** Options given ahead of time by name, applied when the breaker is created through `getOrCreate`. */
  readonly #configured = new Map<string, Omit<CircuitBreakerOptions, 'registry'>>();

  /**
   * @param options `breakers`: options by name, as if passed to {@link Registry.configure} one by one.
   * @example
   * const registry = new Registry({ breakers: { payments: { failureThreshold: 3, recoveryTimeout: 30_000 } } });
   */
  constructor(options: RegistryOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys('Registry', options, registryOptionNames);
    const { breakers = {} } = options;
    if (typeof breakers !== 'object' || breakers === null) throw invalid('breakers', 'an object of options by name', breakers);
    for (const [name, breakerOptions] of Object.entries(breakers)) this.configure(name, breakerOptions);
  }

  /**
   * The registry that `CircuitBreaker.get()`, the other static methods, decorators and `circuitBreaker(fn)`
   * use (also reachable as `CircuitBreaker.registry`): one per process, shared by the ESM and CJS copies.
   * @example
   * Registry.default.configure('payments', { failureThreshold: 3 });
   */
  static get default(): Registry {
    const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
    let registry = holder[defaultRegistryKey];
    if (registry === undefined) {
      registry = new Registry();
      Object.defineProperty(globalThis, defaultRegistryKey, { value: registry, configurable: true });
    }
    return registry;
  }

  /**
   * Gives the breaker `name` its options ahead of time: whoever creates it later through `getOrCreate(name)`
   * (a decorator or `CircuitBreaker.getOrCreate` included) gets them; options passed at that call override
   * these key by key. Configure at start-up, before the breaker exists; `clear()` keeps the configuration.
   * Options are validated when the breaker is created.
   * @throws {CircuitBreakerError} (code `ERR_CIRCUIT_BREAKER_DUPLICATE_NAME`) when the breaker already exists: its options can no longer change.
   * @example
   * CircuitBreaker.registry.configure('payments', { failureThreshold: 3, recoveryTimeout: 30_000 });
   * // anywhere else:
   * const payments = CircuitBreaker.getOrCreate('payments'); // created with the options above
   */
  configure(name: string, options: Omit<CircuitBreakerOptions, 'registry'>): this {
    checkName('name', name);
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys(`registry.configure(${JSON.stringify(name)})`, options, configurableOptionNames);
    if (this.#breakers.has(name)) {
      throw new CircuitBreakerError(
        ErrorCode.DUPLICATE_NAME,
        `The circuit breaker "${name}" already exists, so configure() can no longer change its options; configure it before it is first created`,
      );
    }
    this.#configured.set(name, options);
    return this;
  }

  /** Number of breakers in the registry. */
  get size(): number {
    return this.#breakers.size;
  }

  /**
   * Adds a breaker under its name. Breakers call this themselves on construction.
   * @throws {CircuitBreakerError} with code `ERR_CIRCUIT_BREAKER_DUPLICATE_NAME` when the name is taken.
   * @throws {TypeError} when `breaker` is not a circuit breaker.
   */
  register(breaker: CircuitBreaker): void {
    checkBreaker(breaker);
    const existing = this.#breakers.get(breaker.name);
    if (existing !== undefined && existing !== breaker) {
      throw new CircuitBreakerError(
        ErrorCode.DUPLICATE_NAME,
        `A circuit breaker named "${breaker.name}" is already registered; use getOrCreate() to share it, another name, or \`registry: false\``,
      );
    }
    this.#breakers.set(breaker.name, breaker);
    if (existing === undefined) notify(this.#addListeners, breaker);
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
   * Calls `listener` with every breaker dropped from this registry by {@link Registry.delete} or
   * {@link Registry.clear}, after it is gone (metrics adapters use it to forget its series). Returns a
   * function that removes the listener. A listener that throws does not stop the removal: its error is
   * rethrown in a microtask.
   * @example
   * const off = registry.onRemove((breaker) => console.log(`${breaker.name} dropped`));
   */
  onRemove(listener: (breaker: CircuitBreaker) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected \`listener\` to be a function, got ${describeValue(listener)}`);
    this.#removeListeners = [...this.#removeListeners, listener];
    return () => {
      this.#removeListeners = this.#removeListeners.filter((l) => l !== listener);
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
   * The breaker registered under `name`, created the first time with the options given to
   * {@link Registry.configure} for that name, overridden by `options`. Later calls return the same
   * instance and ignore their `options`: the first configuration wins.
   */
  getOrCreate(name: string, options: Omit<CircuitBreakerOptions, 'registry'> = {}): CircuitBreaker {
    const existing = this.#breakers.get(name);
    if (existing !== undefined) return existing;
    if (createBreaker === undefined) throw new Error('tripswitch: the breaker module was not loaded');
    return createBreaker(name, { ...this.#configured.get(name), ...options, registry: this });
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

  /**
   * Drops the breaker registered under `name` (per-key breakers would otherwise grow forever), detaches
   * it from its `store` ({@link CircuitBreaker.dispose}) and tells the `onRemove` listeners.
   */
  delete(name: string): boolean {
    const breaker = this.#breakers.get(name);
    if (breaker === undefined) return false;
    this.#breakers.delete(name);
    breaker.dispose();
    notify(this.#removeListeners, breaker);
    return true;
  }

  /** Drops every breaker, as {@link Registry.delete} does one. */
  clear(): void {
    const dropped = [...this.#breakers.values()];
    this.#breakers.clear();
    for (const breaker of dropped) {
      breaker.dispose();
      notify(this.#removeListeners, breaker);
    }
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

/** Calls each listener; one that throws (metrics, logging) must not undo the change, so its error is rethrown out of band. */
function notify(listeners: ReadonlyArray<(breaker: CircuitBreaker) => void>, breaker: CircuitBreaker): void {
  for (const listener of listeners) {
    try {
      listener(breaker);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
