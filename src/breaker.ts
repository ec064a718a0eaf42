import { stepMs } from './backoff.js';
import { type AnyFunction, type CallSite, createCallSite, isThenable } from './call-site.js';
import { createErrorClassifier } from './classify.js';
import { type Clock, toEpochMs } from './clock.js';
import type { FailureDetector } from './detectors/detector.js';
import { CallTimeoutError, CircuitOpenError, withoutStack } from './errors.js';
import { type BreakerEvents, Emitter, type Listener, type TransitionReason, type Unsubscribe } from './events.js';
import { runFallback } from './fallback.js';
import type { HealthOptions, HealthReport } from './health.js';
import { installLogger } from './logger.js';
import { type CircuitBreakerOptions, checkBreakerName, type ResolvedOptions, resolveOptions } from './options.js';
import { provideBreakerFactory, Registry } from './registry.js';
import { type BreakerSnapshot, checkSnapshot, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { CircuitState } from './state.js';
import type { BreakerStatus } from './status.js';
import type { BreakerPort, SharedState, StoreLink } from './storage/state-store.js';
import { raceTimeout } from './timeout.js';
import { checkFunction } from './validate.js';

/** The breaker's state with only the data each state needs. Times are readings of the clock. */
type Inner =
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

/**
 * A circuit breaker: runs calls while the dependency behind them works, fails fast while it does not,
 * and tests it with a few trial calls after a recovery timeout. Decisions are local and synchronous;
 * a sync function stays sync, an async one stays async.
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
  readonly #clock: Clock;
  readonly #detector: FailureDetector;
  /** Whether a thrown value counts as a failure (`ignoreErrors`, `recordErrors`, `isFailure`). */
  readonly #counts: (error: unknown) => boolean;
  readonly #events: Emitter;
  /** Call sites of `call(fn)`, created on first use: a breaker used only through `wrap` never needs one. */
  #sites: WeakMap<AnyFunction, CallSite> | undefined;
  #inner: Inner;
  /** Bumped on every transition; an outcome from an older generation no longer drives the state machine. */
  #generation = 0;
  /** Whether calls read the clock for their duration (detector needs it, or someone listens). */
  #timed: boolean;
  /** The recovery timeout of the current opening (the backoff's first step while closed). */
  #recoveryMs: number;
  #lastFailureAt = Number.NaN;
  #lastStateChangeAt = Number.NaN;
  #successes = 0;
  #failures = 0;
  #rejected = 0;
  #ignored = 0;
  #fallbacks = 0;
  /** Set when a `store` option is given: carries transitions to peers and coordinates the probe. */
  #link: StoreLink | undefined;
  /** Whether the store has been asked for the probe lease and not answered yet. */
  #probeAsked = false;

  static {
    provideBreakerFactory((name, options) => new CircuitBreaker(name, options));
  }

  /**
   * @param name Unique within the registry the breaker joins (the default one unless `registry` says otherwise).
   * @throws {TypeError | RangeError} for an invalid option, naming the option, the value and what is allowed.
   * @throws {CircuitBreakerError} when the registry already holds a breaker of this name.
   */
  constructor(name: string, options: CircuitBreakerOptions = {}) {
    this.name = checkBreakerName(name);
    this.#options = resolveOptions(options);
    this.#clock = this.#options.clock;
    this.#detector = this.#options.detector;
    this.#events = new Emitter(this.name);
    this.#counts = createErrorClassifier(this.#options, this.#events);
    this.#inner = { state: CircuitState.CLOSED, since: this.#clock.now() };
    this.#timed = this.#detector.usesDuration;
    this.#recoveryMs = this.#options.recoveryTimeout;
    if (this.#options.onStateChange !== undefined) this.on('stateChange', this.#options.onStateChange);
    if (this.#options.logger !== undefined) installLogger(this, this.#options.logger);
    if (this.#options.initialState !== undefined) this.restore(this.#options.initialState);
    const registry = options.registry === undefined ? Registry.default : options.registry;
    if (registry !== false) registry.register(this);
    this.#link = this.#options.store?.attach(this.#port());
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
    const inner = this.#inner;
    if (inner.state === CircuitState.OPEN && this.#link === undefined && this.#clock.now() >= inner.until) this.#toHalfOpen();
    else if (inner.state === CircuitState.HALF_OPEN) this.#checkTrialWait(inner);
    return this.#inner.state;
  }

  /**
   * Runs `fn(...args)` through the breaker. Returns what `fn` returns (a promise stays a promise, a
   * plain value stays plain), or the fallback's answer.
   * @throws {CircuitOpenError} when the breaker rejects the call (as a rejected promise for async functions); `fn` is not called.
   * @throws {TypeError} when `fn` is not a function (nothing is counted).
   */
  call<F extends AnyFunction>(fn: F, ...args: Parameters<F>): ReturnType<F> {
    return this.#execute(this.#siteFor(fn), undefined, args);
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
   * Runs `fn(signal)` through the breaker, like {@link CircuitBreaker.call}. With a `timeout` option the
   * signal is aborted (its `reason` a {@link CallTimeoutError}) when the call times out, so `fn` can stop
   * its work; without one it never aborts.
   * @throws {CircuitOpenError} when the breaker rejects the call; `fn` is not called.
   * @throws {CallTimeoutError} (as a rejected promise) when the call takes longer than `timeout`.
   * @example
   * const breaker = new CircuitBreaker('search', { timeout: 2_000 });
   * const res = await breaker.callWithSignal((signal) => fetch(url, { signal }));
   */
  callWithSignal<R>(fn: (signal: AbortSignal) => R): R {
    const site = this.#siteFor(fn);
    const controller = new AbortController();
    return this.#execute(site, undefined, [controller.signal], controller);
  }

  /**
   * A function of the same type as `fn` that runs every call through this breaker, passing `this` on.
   * @example
   * const getUser = breaker.wrap(fetchUser);
   */
  wrap<F extends AnyFunction>(fn: F): F {
    checkFunction('fn', fn);
    const site: CallSite = createCallSite(fn);
    const breaker = this;
    const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
      return breaker.#execute(site, this, args);
    };
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    return wrapped as F;
  }

  /**
   * Listens to an event; returns a function that removes the listener. A listener that throws never
   * changes a call's outcome: its error goes to `listenerError` listeners, or is rethrown in a microtask.
   */
  on<K extends keyof BreakerEvents>(event: K, listener: Listener<K>): Unsubscribe {
    const off = this.#events.on(event, listener);
    this.#updateTimed();
    return () => {
      off();
      this.#updateTimed();
    };
  }

  /**
   * The breaker's state as small, versioned JSON (times in epoch ms): save it, send it, or pass it to
   * {@link CircuitBreaker.restore} or the `initialState` option to resume after a restart.
   * @example
   * process.on('SIGTERM', () => writeFileSync('breaker.json', JSON.stringify(breaker.snapshot())));
   */
  snapshot(): BreakerSnapshot {
    this.state; // settles a due lazy transition first
    return encodeSnapshot(this.#inner, this.#clock, this.#detector.snapshot());
  }

  /**
   * Resumes from a {@link BreakerSnapshot}: state, backoff step and the detector's window. A restored
   * half-open starts with no trial in flight; outcomes of calls started before the restore are not
   * counted. Emits `stateChange` (reason `restored`) when the state differs.
   * @throws {TypeError} for a malformed snapshot or one written by another kind of detector; then nothing changes.
   */
  restore(snapshot: BreakerSnapshot): void {
    const s = checkSnapshot(snapshot);
    this.#detector.restore(s.detector);
    const next: Inner = decodeSnapshot(s, this.#clock);
    if (next.state === CircuitState.OPEN) this.#recoveryMs = Math.max(0, next.until - next.since);
    else if (next.state === CircuitState.HALF_OPEN) this.#recoveryMs = stepMs(this.#options.recoveryBackoff, next.attempt);
    if (next.state !== this.#inner.state) this.#transition(next, 'restored');
    else {
      // Same state, new times: no stateChange; calls already in flight no longer count.
      this.#inner = next;
      this.#generation++;
    }
  }

  /** Closes the breaker and forgets counted failures (also leaves `forced_open` and `disabled`). */
  reset(): void {
    this.#detector.reset();
    if (this.#inner.state !== CircuitState.CLOSED)
      this.#transition({ state: CircuitState.CLOSED, since: this.#clock.now() }, 'manual_reset');
  }

  /** Forces the breaker open: every call is rejected until {@link CircuitBreaker.reset}. */
  trip(): void {
    if (this.#inner.state !== CircuitState.FORCED_OPEN) {
      this.#transition({ state: CircuitState.FORCED_OPEN, since: this.#clock.now() }, 'manual_trip');
    }
  }

  /** Same as {@link CircuitBreaker.trip}. */
  forceOpen(): void {
    this.trip();
  }

  /** Lets every call through and only records outcomes, until {@link CircuitBreaker.reset}. */
  disable(): void {
    if (this.#inner.state !== CircuitState.DISABLED) {
      this.#transition({ state: CircuitState.DISABLED, since: this.#clock.now() }, 'manual_disable');
    }
  }

  /**
   * Detaches the breaker from its `store`, which then forgets it (and gives back a probe lease it holds);
   * from then on the breaker decides alone. Call it before dropping a breaker that has a store, such as a
   * per-key breaker removed from its registry. Harmless without a store or when called twice.
   */
  dispose(): void {
    const link = this.#link;
    this.#link = undefined;
    link?.detach();
  }

  /** JSON-ready figures: state, counts, thresholds, last failure and state change, time until recovery. */
  status(): BreakerStatus {
    const state = this.state;
    const inner = this.#inner;
    const now = this.#clock.now();
    const o = this.#options;
    return {
      name: this.name,
      state,
      failureThreshold: o.failureThreshold,
      successThreshold: o.successThreshold,
      recoveryTimeoutMs: this.#recoveryMs,
      halfOpenMaxCalls: o.halfOpenMaxCalls,
      successes: this.#successes,
      failures: this.#failures,
      rejected: this.#rejected,
      ignored: this.#ignored,
      fallbacks: this.#fallbacks,
      detector: this.#detector.stats(),
      halfOpenInFlight: inner.state === CircuitState.HALF_OPEN ? inner.inFlight : 0,
      halfOpenSuccesses: inner.state === CircuitState.HALF_OPEN ? inner.successes : 0,
      lastFailureAt: this.#isoTime(this.#lastFailureAt),
      lastStateChangeAt: this.#isoTime(this.#lastStateChangeAt),
      timeUntilRecoveryMs: inner.state === CircuitState.OPEN ? Math.max(0, inner.until - now) : null,
    };
  }

  #isoTime(reading: number): string | null {
    return Number.isNaN(reading) ? null : new Date(toEpochMs(this.#clock, reading)).toISOString();
  }

  #updateTimed(): void {
    this.#timed = this.#detector.usesDuration || this.#events.has('success') || this.#events.has('failure');
  }

  // The hot path: closed and succeeding costs one state read, the call, one detector update.
  #execute(site: CallSite, thisArg: unknown, args: unknown[], controller?: AbortController): ReturnType<AnyFunction> {
    if (this.#inner.state !== CircuitState.CLOSED && !this.#admit()) return this.#reject(site, thisArg, args);
    const generation = this.#generation;
    const start = this.#timed ? this.#clock.now() : Number.NaN;
    let result: unknown;
    let thenable: boolean;
    try {
      result = site.fn.apply(thisArg, args);
      // Inside the try: a hostile `then` getter must count as the call's failure, not skip the bookkeeping.
      thenable = isThenable(result);
    } catch (error) {
      return this.#onError(thisArg, args, error, start, generation);
    }
    if (thenable) {
      site.async = true;
      if (this.#options.timeout !== undefined) {
        return this.#withTimeout(result as PromiseLike<unknown>, this.#options.timeout, thisArg, args, start, generation, controller);
      }
      return Promise.resolve(result).then(
        (value) => {
          this.#onResult(value, start, generation);
          return value;
        },
        (error: unknown) => this.#onError(thisArg, args, error, start, generation),
      );
    }
    this.#onResult(result, start, generation);
    return result;
  }

  /** The caller's promise settles with the call or, after `ms`, with a counted {@link CallTimeoutError}; the late outcome is dropped. */
  #withTimeout(
    work: PromiseLike<unknown>,
    ms: number,
    thisArg: unknown,
    args: unknown[],
    start: number,
    generation: number,
    controller: AbortController | undefined,
  ): Promise<unknown> {
    return raceTimeout(
      work,
      ms,
      (value) => {
        this.#onResult(value, start, generation);
        return value;
      },
      (error) => this.#onError(thisArg, args, error, start, generation),
      () => {
        const error = new CallTimeoutError(this.name, ms);
        controller?.abort(error);
        return this.#onError(thisArg, args, error, start, generation);
      },
    );
  }

  /** Decides whether a call may run in a state other than closed; moves open to half-open when due. */
  #admit(): boolean {
    let inner = this.#inner;
    if (inner.state === CircuitState.OPEN) {
      if (this.#clock.now() < inner.until) return false;
      this.#recover();
      inner = this.#inner;
    }
    switch (inner.state) {
      case CircuitState.HALF_OPEN:
        if (this.#checkTrialWait(inner) || inner.inFlight >= this.#options.halfOpenMaxCalls) return false;
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

  #reject(site: CallSite, thisArg: unknown, args: unknown[]): unknown {
    this.#rejected++;
    const inner = this.#inner;
    const retryAfterMs =
      inner.state === CircuitState.OPEN ? Math.max(0, inner.until - this.#clock.now()) : inner.state === CircuitState.HALF_OPEN ? 0 : null;
    const error = withoutStack(
      this.#options.captureStackTrace,
      () => new CircuitOpenError({ breakerName: this.name, state: inner.state, retryAfterMs }),
    );
    if (this.#events.has('rejected')) this.#events.emit('rejected', { name: this.name, state: inner.state, error });
    const async = this.#answersAsync(site);
    if (this.#options.fallback !== undefined) return this.#fallback(thisArg, args, error, async);
    if (async) return Promise.reject(error);
    throw error;
  }

  #answersAsync(site: CallSite): boolean {
    const kind = this.#options.kind;
    return kind === 'async' || (kind === 'auto' && site.async);
  }

  #onResult(result: unknown, start: number, generation: number): void {
    const isResultFailure = this.#options.isResultFailure;
    if (isResultFailure !== undefined) {
      let failed = false;
      try {
        failed = isResultFailure(result) === true;
      } catch (error) {
        this.#events.report('isResultFailure', error);
      }
      if (failed) {
        this.#recordFailure(undefined, result, start, generation);
        return;
      }
    }
    this.#successes++;
    const durationMs = Number.isNaN(start) ? start : this.#clock.now() - start;
    if (this.#events.has('success')) this.#events.emit('success', { name: this.name, durationMs });
    if (!this.#isCurrent(generation)) return;
    const inner = this.#inner;
    if (inner.state === CircuitState.CLOSED) {
      this.#detector.onSuccess(durationMs);
      this.#link?.counted?.(false);
      if (this.#detector.usesDuration && this.#detector.shouldTrip()) this.#open('failure_threshold', 1);
    } else if (inner.state === CircuitState.HALF_OPEN) {
      inner.inFlight--;
      inner.successes++;
      inner.waitingSince = this.#clock.now();
      if (inner.successes >= this.#options.successThreshold) {
        this.#transition({ state: CircuitState.CLOSED, since: this.#clock.now() }, 'trial_succeeded');
      }
    }
  }

  /** A sync throw or async rejection: counted, ignored, or answered by the fallback. Throws what the caller must see. */
  #onError(thisArg: unknown, args: unknown[], error: unknown, start: number, generation: number): unknown {
    if (!this.#counts(error)) {
      this.#ignored++;
      if (this.#events.has('ignored')) this.#events.emit('ignored', { name: this.name, error });
      // An ignored trial frees its slot without deciding anything.
      const inner = this.#isCurrent(generation) ? this.#inner : undefined;
      if (inner?.state === CircuitState.HALF_OPEN) {
        inner.inFlight--;
        inner.waitingSince = this.#clock.now();
      }
      throw error;
    }
    this.#recordFailure(error, undefined, start, generation);
    if (this.#options.fallback !== undefined && this.#options.fallbackOn === 'any') {
      return this.#fallback(thisArg, args, error, false);
    }
    throw error;
  }

  #recordFailure(error: unknown, result: unknown, start: number, generation: number): void {
    this.#failures++;
    const now = this.#clock.now();
    this.#lastFailureAt = now;
    const durationMs = Number.isNaN(start) ? start : now - start;
    if (this.#events.has('failure')) {
      this.#events.emit(
        'failure',
        error === undefined && result !== undefined
          ? { name: this.name, durationMs, error, result }
          : { name: this.name, durationMs, error },
      );
    }
    if (!this.#isCurrent(generation)) return;
    const inner = this.#inner;
    if (inner.state === CircuitState.CLOSED) {
      this.#detector.onFailure(durationMs, error === undefined ? result : error);
      this.#link?.counted?.(true);
      if (this.#detector.shouldTrip()) this.#open('failure_threshold', 1);
    } else if (inner.state === CircuitState.HALF_OPEN) {
      inner.inFlight--;
      this.#open('trial_failed', inner.attempt + 1);
    }
  }

  /**
   * Runs the fallback with the call's arguments and the error. For an async answer its result becomes a
   * promise; its own error surfaces with the original as `cause`.
   */
  #fallback(thisArg: unknown, args: unknown[], error: unknown, async: boolean): unknown {
    this.#fallbacks++;
    if (this.#events.has('fallback')) this.#events.emit('fallback', { name: this.name, error });
    return runFallback(this.#options.fallback as (...a: unknown[]) => unknown, thisArg, args, error, async);
  }

  /** The recovery timeout has passed: probe, or with a store, ask it for the fleet-wide probe lease and keep rejecting meanwhile. */
  #recover(): void {
    if (this.#link === undefined) this.#toHalfOpen();
    else if (!this.#probeAsked) {
      this.#probeAsked = true;
      this.#link.requestProbe();
    }
  }

  #toHalfOpen(): void {
    const inner = this.#inner;
    const attempt = inner.state === CircuitState.OPEN ? inner.attempt : 1;
    const now = this.#clock.now();
    this.#transition(
      { state: CircuitState.HALF_OPEN, since: now, attempt, inFlight: 0, successes: 0, waitingSince: now },
      'recovery_timeout',
    );
  }

  /**
   * Whether an outcome of a call admitted in `generation` still drives the state machine. A half-open
   * wait that ran out is settled first, so the late outcome of an abandoned trial is not counted.
   */
  #isCurrent(generation: number): boolean {
    const inner = this.#inner;
    if (inner.state === CircuitState.HALF_OPEN) this.#checkTrialWait(inner);
    return generation === this.#generation;
  }

  /** Reopens a half-open breaker whose trials have waited longer than `halfOpenMaxWait` for an outcome; true if it did. */
  #checkTrialWait(inner: Inner & { state: 'half_open' }): boolean {
    const maxWait = this.#options.halfOpenMaxWait;
    if (maxWait === undefined || inner.inFlight === 0 || this.#clock.now() - inner.waitingSince < maxWait) return false;
    this.#open('trial_timed_out', inner.attempt + 1);
    return true;
  }

  /** Opens for the backoff step of `attempt` (1 from closed, +1 for each reopening from half-open). */
  #open(reason: TransitionReason, attempt: number): void {
    const now = this.#clock.now();
    this.#recoveryMs = stepMs(this.#options.recoveryBackoff, attempt);
    this.#transition({ state: CircuitState.OPEN, since: now, until: now + this.#recoveryMs, attempt }, reason);
  }

  /** The one place the state changes. */
  #transition(next: Inner, reason: TransitionReason): void {
    const from = this.#inner.state;
    this.#inner = next;
    this.#generation++;
    this.#lastStateChangeAt = next.since;
    if (next.state === CircuitState.CLOSED) this.#recoveryMs = this.#options.recoveryTimeout;
    // A restore has just loaded the detector's window: keep it.
    if ((next.state === CircuitState.CLOSED || next.state === CircuitState.OPEN) && reason !== 'restored') this.#detector.reset();
    if (this.#events.has('stateChange')) {
      this.#events.emit('stateChange', { name: this.name, from, to: next.state, reason, at: next.since });
    }
    this.#probeAsked = false;
    if (this.#link !== undefined && reason !== 'remote') {
      const open = next.state === CircuitState.OPEN;
      this.#link.transitioned({
        from,
        to: next.state,
        reason,
        remainingMs: open ? next.until - next.since : 0,
        attempt: open || next.state === CircuitState.HALF_OPEN ? next.attempt : 0,
      });
    }
  }

  /** The store's handle on this breaker (see {@link BreakerPort}); built once, never exposed. */
  #port(): BreakerPort {
    return {
      name: this.name,
      applyRemote: (shared) => this.#applyRemote(shared),
      grantProbe: () => {
        if (this.#inner.state !== CircuitState.OPEN) return false;
        this.#toHalfOpen();
        return true;
      },
      sharedState: () => {
        const inner = this.#inner;
        if (inner.state === CircuitState.CLOSED) return { state: 'closed' };
        if (inner.state !== CircuitState.OPEN) return null;
        return { state: 'open', remainingMs: Math.max(0, inner.until - this.#clock.now()), attempt: inner.attempt };
      },
      openMs: () => stepMs(this.#options.recoveryBackoff, 1),
      probing: () => {
        const inner = this.#inner;
        return inner.state === CircuitState.HALF_OPEN && (inner.inFlight > 0 || inner.successes > 0);
      },
    };
  }

  /** A peer's transition: taken with reason 'remote' and never told back to the store. Manual states win. */
  #applyRemote(shared: SharedState): void {
    const inner = this.#inner;
    if (inner.state === CircuitState.FORCED_OPEN || inner.state === CircuitState.DISABLED) return;
    const now = this.#clock.now();
    if (shared.state === CircuitState.CLOSED) {
      if (inner.state !== CircuitState.CLOSED) this.#transition({ state: CircuitState.CLOSED, since: now }, 'remote');
    } else if (inner.state === CircuitState.OPEN) {
      // Same state, new end: no stateChange, but a fresh probe request once it passes.
      this.#inner = { state: CircuitState.OPEN, since: inner.since, until: now + shared.remainingMs, attempt: shared.attempt };
      this.#probeAsked = false;
    } else {
      this.#transition({ state: CircuitState.OPEN, since: now, until: now + shared.remainingMs, attempt: shared.attempt }, 'remote');
    }
  }
}

function unreachable(value: never): never {
  throw new Error(`tripswitch: unexpected state ${JSON.stringify(value)}`);
}
