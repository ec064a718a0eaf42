import { type AnyFunction, type CallSite, createCallSite } from './call-site.js';
import { createWrapper } from './call-wrapper.js';
import { toEpochMs } from './clock.js';
import { type BreakerEvents, Emitter, type Listener, type Unsubscribe } from './events.js';
import { type AnyFallback, CallRunner, THROW } from './execute.js';
import type { HealthOptions, HealthReport } from './health.js';
import { installLogger, type LogFigures } from './logger.js';
import { StateMachine } from './machine.js';
import { type CircuitBreakerOptions, checkBreakerName, type Fallback, type ResolvedOptions, resolveOptions } from './options.js';
import { CallPermit, type Permit } from './permit.js';
import { provideBreakerFactory, Registry } from './registry.js';
import type { BreakerSnapshot } from './snapshot.js';
import { CircuitState } from './state.js';
import type { BreakerStatus } from './status.js';
import { checkFunction } from './validate.js';

/**
 * A circuit breaker: runs calls while the dependency behind them works, fails fast while it does not,
 * and tests it with a few trial calls after a recovery timeout. Decisions are local and synchronous;
 * a sync function stays sync, an async one stays async.
 *
 * This class is the public face: the state machine lives in `machine.ts`, call execution in `execute.ts`.
 *
 * @example
 * const inventory = new CircuitBreaker('inventory', { failureThreshold: 5, recoveryTimeout: 30_000 });
 * const stock = await inventory.call(fetchStock, 'sku-1');
 * inventory.on('stateChange', (e) => console.log(`${e.name}: ${e.from} -> ${e.to} (${e.reason})`));
 */
export class CircuitBreaker {
  /** The breaker's name, unique within its registry. */
  readonly name: string;
  readonly #options: ResolvedOptions;
  readonly #events: Emitter;
  readonly #machine: StateMachine;
  readonly #runner: CallRunner;
  /** Call sites of `call(fn)`, created on first use: a breaker used only through `wrap` never needs one. */
  #sites: WeakMap<AnyFunction, CallSite> | undefined;

  static {
    provideBreakerFactory((name, options) => new CircuitBreaker(name, options));
  }

  /**
   * @param name Unique within the registry the breaker joins (the default one unless `registry` says otherwise).
   * @throws {TypeError | RangeError} for an invalid option, naming the option, the value and what is allowed.
   * @throws {CircuitBreakerError} when the registry already holds a breaker of this name; then nothing is registered or attached.
   */
  constructor(name: string, options: CircuitBreakerOptions = {}) {
    this.name = checkBreakerName(name);
    this.#options = resolveOptions(options, this.name);
    this.#events = new Emitter(this.name);
    this.#machine = new StateMachine(this.name, this.#options, this.#events);
    this.#runner = new CallRunner(this.name, this.#options, this.#events, this.#machine);
    if (this.#options.onStateChange !== undefined) this.on('stateChange', this.#options.onStateChange);
    if (this.#options.logger !== undefined) installLogger(this, this.#options.logger, () => this.#logFigures());
    if (this.#options.initialState !== undefined) this.restore(this.#options.initialState);
    // Attach first: a store that throws leaves nothing registered; a taken name detaches again.
    if (this.#options.store !== undefined) this.#machine.attach(this.#options.store);
    const registry = options.registry === undefined ? Registry.default : options.registry;
    if (registry !== false) {
      try {
        registry.register(this);
      } catch (error) {
        this.#machine.detach();
        throw error;
      }
    }
  }

  /** The default registry, used by the static methods. */
  static get registry(): Registry {
    return Registry.default;
  }

  /**
   * The breaker named `name` in the default registry.
   * @throws {CircuitBreakerError} (code `ERR_CIRCUIT_BREAKER_NOT_FOUND`) for an unknown name.
   */
  static get(name: string): CircuitBreaker {
    return Registry.default.get(name);
  }

  /** The breaker named `name` in the default registry, created with `options` the first time (later options are ignored). */
  static getOrCreate(name: string, options?: Omit<CircuitBreakerOptions, 'registry'>): CircuitBreaker {
    return Registry.default.getOrCreate(name, options);
  }

  /** Resets every breaker of the default registry. */
  static resetAll(): void {
    Registry.default.resetAll();
  }

  /** `{ name: state }` for every breaker of the default registry. */
  static getAllStates(): Record<string, CircuitState> {
    return Registry.default.getAllStates();
  }

  /** `{ name: status() }` for every breaker of the default registry. */
  static getAllStatuses(): Record<string, BreakerStatus> {
    return Registry.default.status();
  }

  /** The health summary of the default registry; see {@link Registry.health}. */
  static health(options?: HealthOptions): HealthReport {
    return Registry.default.health(options);
  }

  /**
   * The current state; reading it moves an open breaker whose recovery timeout has passed to half-open,
   * and a half-open one whose trial has exceeded `halfOpenMaxWait` back to open. With a `store`, only a
   * call asks for the probe lease: reading the state (a health check) reports `open` until then, so an
   * idle process never holds the fleet's probe.
   */
  get state(): CircuitState {
    return this.#machine.current();
  }

  /**
   * Whether calls are rejected: `open` or `forced_open` (not `half_open`, which lets trial calls through).
   * Like {@link CircuitBreaker.state}, reading it settles a due lazy transition.
   * @example
   * if (payments.isOpen()) showBanner('Payments are paused; we will retry shortly.');
   */
  isOpen(): boolean {
    const state = this.#machine.current();
    return state === CircuitState.OPEN || state === CircuitState.FORCED_OPEN;
  }

  /** Whether the breaker is `half_open`, testing the dependency with trial calls. */
  isHalfOpen(): boolean {
    return this.#machine.current() === CircuitState.HALF_OPEN;
  }

  /** Whether the breaker is `closed` (not `disabled`, which lets calls through without deciding anything). */
  isClosed(): boolean {
    return this.#machine.current() === CircuitState.CLOSED;
  }

  /**
   * Runs `fn(...args)` through the breaker. Returns what `fn` returns (a promise stays a promise, a
   * plain value stays plain), or the fallback's answer.
   * @throws {CircuitOpenError} when the breaker rejects the call (as a rejected promise for async work); `fn` is not called.
   * @throws {TypeError} when `fn` is not a function (nothing is counted).
   */
  call<F extends AnyFunction>(fn: F, ...args: Parameters<F>): ReturnType<F> {
    const runner = this.#runner;
    const answer = runner.run(this.#siteFor(fn), undefined, args);
    if (answer === THROW) throw runner.takeThrown();
    return answer as ReturnType<F>;
  }

  /** The call site of a function run through `call()`, remembered so its sync/async shape is learnt once. */
  #siteFor(fn: AnyFunction): CallSite {
    this.#sites ??= new WeakMap();
    let site = this.#sites.get(fn);
    if (site === undefined) {
      checkFunction('fn', fn);
      site = createCallSite(fn);
      this.#sites.set(fn, site);
    }
    return site;
  }

  /**
   * Runs `fn(signal)` through the breaker, like {@link CircuitBreaker.call}, and always answers with a
   * promise (also when the breaker rejects the call, and when the fallback answers). With a `timeout`
   * option the signal is aborted (its `reason` a {@link CallTimeoutError}) when the call times out, so
   * `fn` can stop its work; without one it never aborts.
   * @throws {CircuitOpenError} (as a rejected promise) when the breaker rejects the call; `fn` is not called.
   * @throws {CallTimeoutError} (as a rejected promise) when the call takes longer than `timeout`.
   * @example
   * const breaker = new CircuitBreaker('search', { timeout: 2_000 });
   * const res = await breaker.callWithSignal((signal) => fetch(url, { signal }));
   */
  callWithSignal<R>(fn: (signal: AbortSignal) => R): Promise<Awaited<R>> {
    const site = this.#siteFor(fn);
    const controller = new AbortController();
    try {
      const runner = this.#runner;
      const answer = runner.run(site, undefined, [controller.signal], controller);
      return (answer === THROW ? Promise.reject(runner.takeThrown()) : Promise.resolve(answer)) as Promise<Awaited<R>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A function of the same type as `fn` that runs every call through this breaker, passing `this` on.
   * @example
   * const getUser = breaker.wrap(fetchUser);
   */
  wrap<F extends AnyFunction>(fn: F): F {
    checkFunction('fn', fn);
    const wrapped = createWrapper(this.#runner, createCallSite(fn));
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    return wrapped as F;
  }

  /**
   * Asks for permission to run one call the breaker does not run itself; the same admission as
   * {@link CircuitBreaker.call}. Returns a {@link Permit} to report the outcome with, or `undefined`
   * (counted as rejected, nothing thrown or allocated) when the breaker refuses the call.
   * @example
   * const permit = breaker.tryAcquirePermission();
   * if (!permit) return cached();
   * try { const value = await work(); permit.onSuccess(); return value; } catch (e) { permit.onError(e); throw e; }
   */
  tryAcquirePermission(): Permit | undefined {
    const runner = this.#runner;
    const generation = runner.acquire();
    if (generation < 0) {
      runner.refused();
      return undefined;
    }
    return new CallPermit(runner, generation);
  }

  /**
   * Sets or replaces the fallback (see the `fallback` option), or removes it with `undefined`.
   * @throws {TypeError} when `fallback` is neither a function nor `undefined`.
   * @example
   * breaker.setFallback((error, id) => cache.get(id));
   */
  // biome-ignore lint/suspicious/noExplicitAny: a breaker not bound to one function takes any fallback
  setFallback(fallback: Fallback<any[], unknown> | undefined): void {
    if (fallback !== undefined) checkFunction('fallback', fallback);
    this.#runner.fallback = fallback as AnyFallback | undefined;
  }

  /**
   * Listens to an event; returns a function that removes the listener. A listener that throws never
   * changes a call's outcome: its error goes to `listenerError` listeners (see {@link ListenerErrorEvent}).
   * @throws {TypeError} for an unknown event name or a listener that is not a function.
   */
  on<K extends keyof BreakerEvents>(event: K, listener: Listener<K>): Unsubscribe {
    const off = this.#events.on(event, listener);
    this.#updateTimed();
    return () => {
      off();
      this.#updateTimed();
    };
  }

  #updateTimed(): void {
    this.#runner.timed = this.#machine.detector.usesDuration || this.#events.has('success') || this.#events.has('failure');
  }

  /**
   * The breaker's state as small, versioned JSON (times in epoch ms): save it, send it, or pass it to
   * {@link CircuitBreaker.restore} or the `initialState` option to resume after a restart.
   * @example
   * process.on('SIGTERM', () => writeFileSync('breaker.json', JSON.stringify(breaker.snapshot())));
   */
  snapshot(): BreakerSnapshot {
    const snapshot = this.#machine.snapshot();
    return this.#runner.seenAsync ? { ...snapshot, async: true } : snapshot;
  }

  /**
   * Resumes from a {@link BreakerSnapshot}: state, backoff step and the detector's window. A restored
   * half-open starts with no trial in flight; outcomes of calls started before the restore are not
   * counted. Emits `stateChange` (reason `restored`) when the state differs.
   * @throws {TypeError} for a malformed snapshot or one written by another kind of detector; then nothing changes.
   */
  restore(snapshot: BreakerSnapshot): void {
    this.#machine.restore(snapshot);
    if (snapshot.async === true) this.#runner.seenAsync = true;
  }

  /** Closes the breaker and forgets counted failures (also leaves `forced_open` and `disabled`); calls in flight no longer count. */
  reset(): void {
    this.#machine.reset();
  }

  /**
   * Ends the open period early, when something other than live traffic says the dependency is back (a passing
   * health check): the breaker stays open with no event, and the next call or read of `state` starts the trial
   * calls as after a recovery timeout (reason `recovery_timeout`); a failed trial reopens with the next backoff
   * step. With a `store`, that call asks the store for the fleet's probe lease as usual. Returns `false`, and
   * changes nothing, when the breaker is not `open` (a forced open stays forced).
   * @example
   * if (breaker.isOpen() && (await pingHealth()).ok) breaker.endOpenPeriod();
   */
  endOpenPeriod(): boolean {
    return this.#machine.endOpenPeriod();
  }

  /** Forces the breaker open: every call is rejected until {@link CircuitBreaker.reset}. */
  trip(): void {
    this.#machine.force(CircuitState.FORCED_OPEN, 'manual_trip');
  }

  /** Same as {@link CircuitBreaker.trip}. */
  forceOpen(): void {
    this.trip();
  }

  /** Lets every call through and only records outcomes (the detector keeps counting, nothing trips), until {@link CircuitBreaker.reset}. */
  disable(): void {
    this.#machine.force(CircuitState.DISABLED, 'manual_disable');
  }

  /**
   * Detaches the breaker from its `store`, which then forgets it (and gives back a probe lease it holds);
   * from then on the breaker decides alone. Call it before dropping a breaker that has a store, such as a
   * per-key breaker removed from its registry. Harmless without a store or when called twice.
   */
  dispose(): void {
    this.#machine.detach();
  }

  /**
   * JSON-ready figures: state, counts, thresholds, last failure and state change, time until recovery.
   * Never throws, whatever a custom detector does. While open, `detector` still shows the failures that tripped it.
   */
  status(): BreakerStatus {
    const machine = this.#machine;
    const runner = this.#runner;
    const state = machine.current();
    const inner = machine.inner;
    const o = this.#options;
    return {
      name: this.name,
      state,
      failureThreshold: o.failureThreshold,
      successThreshold: o.successThreshold,
      recoveryTimeoutMs: machine.recoveryMs,
      halfOpenMaxCalls: o.halfOpenMaxCalls,
      successes: runner.successes,
      failures: runner.failures,
      rejected: runner.rejected,
      ignored: runner.ignored,
      fallbacks: runner.fallbacks,
      detector: machine.detectorStats(),
      halfOpenInFlight: inner.state === CircuitState.HALF_OPEN ? inner.inFlight : 0,
      halfOpenSuccesses: inner.state === CircuitState.HALF_OPEN ? inner.successes : 0,
      lastFailureAt: this.#isoTime(runner.lastFailureAt),
      lastStateChangeAt: this.#isoTime(machine.lastStateChangeAt),
      timeUntilRecoveryMs: inner.state === CircuitState.OPEN ? Math.max(0, inner.until - o.clock.now()) : null,
    };
  }

  /** What a log line needs beside the event, read without settling a lazy transition (it runs inside one). */
  #logFigures(): LogFigures {
    const o = this.#options;
    const inner = this.#machine.inner;
    const retryInMs = inner.state === CircuitState.OPEN ? Math.max(0, inner.until - o.clock.now()) : null;
    return { failureThreshold: o.failureThreshold, successThreshold: o.successThreshold, halfOpenMaxCalls: o.halfOpenMaxCalls, retryInMs };
  }

  #isoTime(reading: number): string | null {
    return Number.isNaN(reading) ? null : new Date(toEpochMs(this.#options.clock, reading)).toISOString();
  }
}
