import { CircuitBreaker } from './breaker.js';
import { type Clock, monotonicClock } from './clock.js';
import { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
import { type HealthOptions, type HealthReport, healthOf } from './health.js';
import { breakerOptionNames, type CircuitBreakerOptions, resolveOptions } from './options.js';
import type { Registry } from './registry.js';
import type { BreakerStatus } from './status.js';
import { checkDuration, checkFunction, checkInteger, checkKnownKeys, checkName, describeValue, invalid } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: wraps any function
type AnyFunction = (...args: any[]) => any;

/** Options of `keyedCircuitBreaker(fn, options)`: how calls map to keys, the bounds, and each key's breaker options. */
export interface KeyedCircuitBreakerOptions<F extends AnyFunction> extends CircuitBreakerOptions<Parameters<F>, ReturnType<F>> {
  /**
   * Derives the key (tenant, host, shard) from the call's arguments; each key gets its own breaker.
   * Runs before the breaker: if it throws, the call fails with its error, which no breaker counts.
   */
  readonly key: (...args: Parameters<F>) => string;
  /**
   * Breakers kept at most; adding one more drops the least recently used.
   * @default 1000
   */
  readonly maxKeys?: number;
  /**
   * Milliseconds a key may go without calls before its breaker is dropped (checked lazily, on later calls:
   * no timer runs). Choose it longer than `recoveryTimeout`, or an open breaker left alone that long
   * comes back closed. Unset: breakers leave only through `maxKeys`.
   */
  readonly idleTtl?: number;
  /**
   * The group's name; each key's breaker is named `${name}:${key}` and joins the registry (the default one
   * unless `registry` says otherwise). Unnamed: breakers are named after `fn` and join no registry.
   * @default fn.name
   */
  readonly name?: string;
}

/** The keyed function: the same type as the original, plus the group of breakers behind it. */
export type KeyedCircuitBreakerFunction<F extends AnyFunction> = F & {
  /** The per-key breakers every call goes through. */
  readonly breakers: KeyedBreakers;
};

/** Figures of a keyed group, JSON-ready: its bounds, how many breakers came and went, and every live one. */
export interface KeyedStatus {
  readonly name: string;
  readonly size: number;
  readonly maxKeys: number;
  readonly idleTtlMs: number | null;
  /** Breakers created since the group was. */
  readonly created: number;
  /** Breakers dropped to stay within `maxKeys`. */
  readonly evicted: number;
  /** Breakers dropped after `idleTtl` without calls. */
  readonly expired: number;
  /** Every live breaker's `status()`, by key. */
  readonly breakers: Record<string, BreakerStatus>;
}

interface GroupConfig {
  readonly fn: AnyFunction;
  readonly key: AnyFunction;
  readonly name: string;
  readonly registry: Registry | false;
  readonly maxKeys: number;
  readonly idleTtl: number | undefined;
  readonly options: CircuitBreakerOptions;
}

interface Entry {
  readonly key: string;
  readonly breaker: CircuitBreaker;
  readonly call: AnyFunction;
  lastUsed: number;
  /** Neighbours in recency order: `older` toward the least recently used, `newer` toward the most. */
  older: Entry | undefined;
  newer: Entry | undefined;
}

const keyedOptionNames: ReadonlySet<string> = new Set([...breakerOptionNames, 'key', 'maxKeys', 'idleTtl', 'name']);
const validationDetector = () => new ConsecutiveFailuresDetector({ failureThreshold: 1 });

/**
 * The breakers of a keyed function, one per key, least recently used first. Reached as `fn.breakers`.
 * Every breaker it drops (LRU, idle, `delete`, `clear`) is disposed (its store forgets it) and removed
 * from its registry, so health reports and metrics stop showing it.
 */
export class KeyedBreakers {
  /** The group's name; breakers are named `${name}:${key}`. */
  readonly name: string;
  readonly #fn: AnyFunction;
  readonly #key: AnyFunction;
  readonly #options: CircuitBreakerOptions;
  readonly #registry: Registry | false;
  readonly #maxKeys: number;
  readonly #idleTtl: number | undefined;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  // A doubly linked list in recency order (a used entry moves to the newest end in O(1), cheaper than
  // re-inserting into the Map): the oldest is the LRU and, with a monotonic clock, also the longest idle.
  #oldest: Entry | undefined;
  #newest: Entry | undefined;
  #created = 0;
  #evicted = 0;
  #expired = 0;

  /**
   * @internal Built by {@link keyedCircuitBreaker}, which receives the call path through `expose`
   * (kept off the public shape of the class).
   */
  constructor(config: GroupConfig, expose: (callable: (thisArg: unknown, args: unknown[]) => AnyFunction) => void) {
    this.name = config.name;
    this.#fn = config.fn;
    this.#key = config.key;
    this.#registry = config.registry;
    this.#maxKeys = config.maxKeys;
    this.#idleTtl = config.idleTtl;
    this.#options = config.options;
    this.#clock = config.options.clock ?? monotonicClock;
    expose((thisArg, args) => this.#callable(thisArg, args));
  }

  /** Live breakers, after dropping the idle ones. */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  /** The live keys, least recently used first. */
  keys(): string[] {
    this.#sweep();
    const keys: string[] = [];
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) keys.push(entry.key);
    return keys;
  }

  /** The breaker of `key` if it is live; neither creates one nor counts as a use. */
  get(key: string): CircuitBreaker | undefined {
    this.#sweep();
    return this.#entries.get(key)?.breaker;
  }

  /** Drops the breaker of `key` (disposed, out of its registry). Returns whether there was one. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#drop(entry);
    return true;
  }

  /** Drops every breaker. The function keeps working: the next call of a key starts a fresh breaker. */
  clear(): void {
    for (const entry of [...this.#entries.values()]) this.#drop(entry);
  }

  /** The group's figures and every live breaker's `status()`, by key. */
  status(): KeyedStatus {
    this.#sweep();
    const breakers: Record<string, BreakerStatus> = {};
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) breakers[entry.key] = entry.breaker.status();
    return {
      name: this.name,
      size: this.#entries.size,
      maxKeys: this.#maxKeys,
      idleTtlMs: this.#idleTtl ?? null,
      created: this.#created,
      evicted: this.#evicted,
      expired: this.#expired,
      breakers,
    };
  }

  /**
   * The group's health, like `registry.health()` but keyed by key: `'degraded'` when any key's breaker is
   * in an unhealthy state; `unhealthy` lists those keys.
   */
  health(options?: HealthOptions): HealthReport {
    const { breakers } = this.status();
    // healthOf only reads `status()`; the group answers it by key.
    return healthOf({ status: () => breakers } as unknown as Registry, options);
  }

  /** The call path: the wrapped function of the call's key, created (and the LRU dropped) on first use. */
  #callable(thisArg: unknown, args: unknown[]): AnyFunction {
    const key: unknown = this.#key.apply(thisArg, args);
    if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to return a string, got ${describeValue(key)}`);
    const ttl = this.#idleTtl;
    const now = ttl === undefined ? 0 : this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      if (ttl === undefined || now - entry.lastUsed < ttl) {
        entry.lastUsed = now;
        if (this.#newest !== entry) {
          this.#unlink(entry);
          this.#append(entry);
        }
        return entry.call;
      }
      this.#expired++;
      this.#drop(entry);
    }
    return this.#add(key, now);
  }

  #add(key: string, now: number): AnyFunction {
    this.#sweep(now);
    while (this.#oldest !== undefined && this.#entries.size >= this.#maxKeys) {
      this.#evicted++;
      this.#drop(this.#oldest);
    }
    const breaker = new CircuitBreaker(`${this.name}:${key}`, { ...this.#options, registry: this.#registry });
    const entry: Entry = { key, breaker, call: breaker.wrap(this.#fn), lastUsed: now, older: undefined, newer: undefined };
    this.#entries.set(key, entry);
    this.#append(entry);
    this.#created++;
    return entry.call;
  }

  /** Drops the entries idle for at least `idleTtl`: they sit at the front, in recency order. */
  #sweep(now = this.#idleTtl === undefined ? 0 : this.#clock.now()): void {
    const ttl = this.#idleTtl;
    if (ttl === undefined) return;
    while (this.#oldest !== undefined && now - this.#oldest.lastUsed >= ttl) {
      this.#expired++;
      this.#drop(this.#oldest);
    }
  }

  #append(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #drop(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    entry.breaker.dispose();
    const registry = this.#registry;
    if (registry !== false && registry.find(entry.breaker.name) === entry.breaker) registry.delete(entry.breaker.name);
  }
}

/**
 * Wraps a function in one circuit breaker per key (tenant, host, shard), the key derived from each call's
 * arguments. At most `maxKeys` breakers live at once (the least recently used is dropped) and a key idle for
 * `idleTtl` loses its breaker; dropped breakers are disposed and leave their registry. Each key's breaker is
 * named `${name}:${key}`, so `registry.health()` lists them under the group's name, and `fn.breakers.health()`
 * reports the group alone, by key.
 *
 * @throws {TypeError | RangeError} for invalid options, naming the option, the value and what is allowed.
 * @example
 * const fetchTenant = keyedCircuitBreaker((tenant: string, path: string) => api.get(tenant, path), {
 *   name: 'tenants',
 *   key: (tenant) => tenant,
 *   maxKeys: 10_000,
 *   idleTtl: 10 * 60_000,
 *   failureThreshold: 5,
 * });
 * await fetchTenant('acme', '/orders'); // runs through the breaker 'tenants:acme'
 * fetchTenant.breakers.health();       // { status, circuits: { acme: {...} }, unhealthy: [] }
 */
export function keyedCircuitBreaker<F extends AnyFunction>(fn: F, options: KeyedCircuitBreakerOptions<F>): KeyedCircuitBreakerFunction<F> {
  checkFunction('fn', fn);
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object with a `key` function', options);
  checkKnownKeys('keyedCircuitBreaker()', options, keyedOptionNames);
  const { key, maxKeys = 1000, idleTtl, name, ...breakerOptions } = options;
  checkFunction('key', key);
  checkInteger('maxKeys', maxKeys, 1);
  if (idleTtl !== undefined) checkDuration('idleTtl', idleTtl, false);
  if (name !== undefined) checkName('name', name);
  const { detector } = breakerOptions;
  if (typeof detector === 'object' && detector !== null) {
    throw new TypeError(
      'A `detector` instance cannot be used by keyedCircuitBreaker(): it would be shared by every key; pass a name or a factory (`({ clock }) => detector`) instead',
    );
  }
  // Every option is validated now, not at the first call; the user's detector factory runs once per key only.
  const shared = breakerOptions as CircuitBreakerOptions;
  resolveOptions(typeof detector === 'function' ? { ...shared, detector: validationDetector } : shared);
  const registry = breakerOptions.registry ?? (name === undefined ? false : CircuitBreaker.registry);
  let callable!: (thisArg: unknown, args: unknown[]) => AnyFunction;
  const config: GroupConfig = {
    fn,
    key,
    name: name ?? (fn.name || 'anonymous'),
    registry,
    maxKeys,
    idleTtl,
    options: shared,
  };
  const group = new KeyedBreakers(config, (path) => {
    callable = path;
  });
  const keyed = function (this: unknown, ...args: unknown[]): unknown {
    return callable(this, args).apply(this, args);
  };
  Object.defineProperty(keyed, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(keyed, 'breakers', { value: group, enumerable: false });
  return keyed as unknown as KeyedCircuitBreakerFunction<F>;
}
