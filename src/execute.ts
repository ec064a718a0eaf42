import { type AnyFunction, type CallSite, isThenable, throwingIterator } from './call-site.js';
import { createErrorClassifier } from './classify.js';
import type { Clock } from './clock.js';
import { CallTimeoutError, createCircuitOpenError } from './errors.js';
import type { Emitter } from './events.js';
import { runFallback } from './fallback.js';
import type { StateMachine } from './machine.js';
import type { ResolvedOptions } from './options.js';
import { CircuitState } from './state.js';
import { raceTimeout } from './timeout.js';

/**
 * What {@link CallRunner.run} returns when the caller must see a synchronous throw: the value to throw is
 * in {@link CallRunner.takeThrown}. The caller's frame throws it, because a throw from deep inside the
 * runner costs the unwinding of every frame in between (two to three times a throw in place).
 */
export const THROW: unique symbol = Symbol('tripswitch.throw');

const noArgs: readonly unknown[] = Object.freeze([]);

/**
 * Calls `fn` with `n` arguments. Without a `this` and up to three arguments, a plain `fn(a)`: no array,
 * and no `fn.call`, whose lookup of `call` goes megamorphic once functions of several kinds are wrapped.
 * Otherwise `Reflect.apply` with the arguments as an array. Kept small: it is on the inlined hot path.
 */
function callWith(
  fn: AnyFunction,
  thisArg: unknown,
  args: readonly unknown[] | undefined,
  n: number,
  a: unknown,
  b: unknown,
  c: unknown,
): unknown {
  if (thisArg !== undefined || n > 3) return Reflect.apply(fn, thisArg, args ?? argsOf(n, a, b, c));
  return n === 0 ? fn() : n === 1 ? fn(a) : n === 2 ? fn(a, b) : fn(a, b, c);
}

/** The arguments of a call of up to three, as an array. */
function argsOf(n: number, a: unknown, b: unknown, c: unknown): readonly unknown[] {
  return n === 0 ? noArgs : n === 1 ? [a] : n === 2 ? [a, b] : [a, b, c];
}

/** A fallback as the runner calls it: `this`, then the error, then the call's arguments. */
export type AnyFallback = (error: unknown, ...args: unknown[]) => unknown;

/**
 * Call execution for one breaker: asks the state machine for admission, runs the function, shapes the
 * answer (sync stays sync, async stays async), applies the timeout, classifies the outcome and hands it
 * to the state machine, and answers rejected or failed calls with the fallback.
 *
 * The call shape rule: a call the breaker rejects without running answers with a rejected promise when
 * the function is declared `async`, has returned a thenable, or has never answered synchronously (returned
 * a plain value or thrown) while the breaker has seen async work (a fresh arrow `() => api()`, a bound
 * method); with a thrown error otherwise. `kind: 'sync' | 'async'` forces one shape.
 */
export class CallRunner {
  /** Whether calls read the clock for their duration (the detector needs it, or `success`/`failure` listeners). */
  timed: boolean;
  fallback: AnyFallback | undefined;
  successes = 0;
  failures = 0;
  rejected = 0;
  ignored = 0;
  fallbacks = 0;
  lastFailureAt = Number.NaN;
  /** The value a caller must throw after {@link CallRunner.run} returned {@link THROW}. */
  #thrown: unknown;
  /** Whether any call of this breaker has returned a thenable (or a restored snapshot says so). */
  seenAsync = false;
  readonly #name: string;
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #events: Emitter;
  readonly #machine: StateMachine;
  /** Whether results go through `isResultFailure`. */
  readonly #checksResults: boolean;
  /** Whether a thrown value counts as a failure (`ignoreErrors`, `recordErrors`, `isFailure`). */
  readonly #counts: (error: unknown) => boolean;

  constructor(name: string, options: ResolvedOptions, events: Emitter, machine: StateMachine) {
    this.#name = name;
    this.#options = options;
    this.#clock = options.clock;
    this.#events = events;
    this.#machine = machine;
    this.#counts = createErrorClassifier(options, events);
    this.fallback = options.fallback;
    this.#checksResults = options.isResultFailure !== undefined;
    this.timed = machine.detector.usesDuration;
  }

  /** The value to throw after `run()` returned {@link THROW} (and forgets it, so it is not retained). */
  takeThrown(): unknown {
    const thrown = this.#thrown;
    this.#thrown = undefined;
    return thrown;
  }

  /**
   * Runs `site.fn` with `args`. Returns its answer (a value or a promise), or {@link THROW} when the caller
   * must throw {@link CallRunner.takeThrown} synchronously.
   */
  run(site: CallSite, thisArg: unknown, args: readonly unknown[], controller?: AbortController): unknown {
    return this.invoke(site, thisArg, args, args.length, args[0], args[1], args[2], controller);
  }

  /**
   * Runs one call of `n` arguments: the first three are `a`, `b`, `c`, and `args` holds them all (or is
   * `undefined` for a call of up to three, built only if a fallback or an async failure needs it). Up to
   * three arguments, `fn` is called directly (`fn.call(thisArg, a, b)`: no array, no `apply`); `fn` sees
   * exactly `n` arguments. The hot path: closed and succeeding costs one state read, the call, one detector update.
   */
  invoke(
    site: CallSite,
    thisArg: unknown,
    args: readonly unknown[] | undefined,
    n: number,
    a: unknown,
    b: unknown,
    c: unknown,
    controller?: AbortController,
  ): unknown {
    const generation = this.acquire();
    if (generation < 0) return this.#reject(site, thisArg, args ?? argsOf(n, a, b, c));
    const start = this.timed ? this.#clock.now() : Number.NaN;
    let result: unknown;
    let thenable: boolean;
    try {
      result = callWith(site.fn, site.arrow ? undefined : thisArg, args, n, a, b, c);
      // Inside the try: a hostile `then` getter must count as the call's failure, not skip the bookkeeping.
      thenable = isThenable(result);
    } catch (error) {
      return this.#threw(site, thisArg, args ?? argsOf(n, a, b, c), error, start, generation);
    }
    if (thenable)
      return this.#settle(site, result as PromiseLike<unknown>, thisArg, args ?? argsOf(n, a, b, c), start, generation, controller);
    // The hot path: a plain sync success of a function known to be sync, with no duration, listener or result check.
    if (site.sync && !this.timed && !this.#checksResults) {
      this.successes++;
      this.#machine.succeeded(start, generation);
      return result;
    }
    return this.#returned(site, result, start, generation);
  }

  /** A call threw synchronously. */
  #threw(site: CallSite, thisArg: unknown, args: readonly unknown[], error: unknown, start: number, generation: number): unknown {
    if (!site.sync) site.sync = true;
    return this.#onError(thisArg, args, error, start, generation);
  }

  /** The clock reading a call's duration is measured from, or `NaN` when durations are not measured (permits). */
  start(): number {
    return this.timed ? this.#clock.now() : Number.NaN;
  }

  /** A call admitted in `generation` returned `result`, not a thenable: recorded, and `result` is the answer. */
  #returned(site: CallSite, result: unknown, start: number, generation: number): unknown {
    if (site.generator !== undefined) {
      // Creating an iterator runs nothing: neither success nor failure (a trial frees its slot).
      this.#machine.undecided(generation);
      return result;
    }
    if (!site.sync) site.sync = true;
    this.#onResult(result, start, generation);
    return result;
  }

  /**
   * Admission, shared by calls and permits: the generation the call runs in, or `-1` when the breaker
   * refuses it (counted as rejected). Closed costs one state read.
   */
  acquire(): number {
    const machine = this.#machine;
    const closed = machine.closedGeneration;
    if (closed >= 0) return closed;
    if (!machine.admit()) {
      this.rejected++;
      return -1;
    }
    return machine.generation;
  }

  /** Ends a call admitted in `generation` without an outcome (a cancelled permit): a trial frees its slot. */
  release(generation: number): void {
    this.#machine.undecided(generation);
  }

  /** Emits `rejected` for a refused permit (the error is built only when someone listens). */
  refused(): void {
    if (this.#events.has('rejected'))
      this.#events.emit('rejected', { name: this.#name, state: this.#machine.inner.state, error: this.#openError() });
  }

  /** A call admitted in `generation` returned a thenable: the caller's promise, recorded when it settles (or times out). */
  #settle(
    site: CallSite,
    work: PromiseLike<unknown>,
    thisArg: unknown,
    args: readonly unknown[],
    start: number,
    generation: number,
    controller: AbortController | undefined,
  ): Promise<unknown> {
    site.async = true;
    this.seenAsync = true;
    const ms = this.#options.timeout;
    if (ms === undefined) {
      return Promise.resolve(work).then(
        (value) => {
          this.#onResult(value, start, generation);
          return value;
        },
        (error: unknown) => this.#onAsyncError(thisArg, args, error, start, generation),
      );
    }
    // The caller's promise settles with the call or, after `ms`, with a counted CallTimeoutError; the late outcome is dropped.
    return raceTimeout(
      work,
      ms,
      (value) => {
        this.#onResult(value, start, generation);
        return value;
      },
      (error) => this.#onAsyncError(thisArg, args, error, start, generation),
      () => {
        const error = new CallTimeoutError(this.#name, ms);
        controller?.abort(error);
        return this.#onAsyncError(thisArg, args, error, start, generation);
      },
    );
  }

  #openError(): Error {
    const inner = this.#machine.inner;
    const retryAfterMs =
      inner.state === CircuitState.OPEN
        ? Math.max(0, inner.until - this.#machine.checkedAt)
        : inner.state === CircuitState.HALF_OPEN
          ? 0
          : null;
    return createCircuitOpenError(this.#name, inner.state, retryAfterMs, this.#options.captureStackTrace);
  }

  /** The answer to a call the breaker refused (counted by {@link CallRunner.acquire}): the fallback's, a rejected promise, or {@link THROW}. */
  #reject(site: CallSite, thisArg: unknown, args: readonly unknown[]): unknown {
    const error = this.#openError();
    if (this.#events.has('rejected')) this.#events.emit('rejected', { name: this.#name, state: this.#machine.inner.state, error });
    if (site.generator !== undefined) {
      return this.fallback === undefined ? throwingIterator(site.generator, error) : this.#fallback(thisArg, args, error, false);
    }
    const async = this.answersAsync(site);
    if (this.fallback !== undefined) return this.#fallback(thisArg, args, error, async);
    if (async) return Promise.reject(error);
    this.#thrown = error;
    return THROW;
  }

  /** Whether a rejected call of `site` answers with a promise (see the class comment). */
  answersAsync(site: CallSite): boolean {
    const kind = this.#options.kind;
    if (kind !== 'auto') return kind === 'async';
    return site.async || (!site.sync && this.seenAsync);
  }

  #onResult(result: unknown, start: number, generation: number): void {
    if (this.#options.isResultFailure !== undefined && this.#failedResult(result, start, generation)) return;
    this.recordSuccess(this.since(start), generation);
  }

  /** Whether `isResultFailure` rejects `result` (then recorded as a failure); a throwing predicate is reported and accepts it. */
  #failedResult(result: unknown, start: number, generation: number): boolean {
    const isResultFailure = this.#options.isResultFailure as (result: unknown) => unknown;
    let failed = false;
    try {
      failed = isResultFailure(result) === true;
    } catch (error) {
      this.#events.report('isResultFailure', error);
    }
    if (failed) this.#recordFailure(undefined, result, this.since(start), generation);
    return failed;
  }

  /** Milliseconds since `start` (from {@link CallRunner.start}), or `NaN` when durations are not measured. */
  since(start: number): number {
    return Number.isNaN(start) ? start : this.#clock.now() - start;
  }

  /** A success of a call admitted in `generation` (shared by calls and permits). */
  recordSuccess(durationMs: number, generation: number): void {
    this.successes++;
    if (this.#events.has('success')) this.#events.emit('success', { name: this.#name, durationMs });
    this.#machine.succeeded(durationMs, generation);
  }

  /** A thrown value of a call admitted in `generation`: ignored (false) or counted as a failure (true). Shared by calls and permits. */
  recordError(error: unknown, durationMs: number, generation: number): boolean {
    if (!this.#counts(error)) {
      this.ignored++;
      if (this.#events.has('ignored')) this.#events.emit('ignored', { name: this.#name, error });
      this.#machine.undecided(generation);
      return false;
    }
    this.#recordFailure(error, undefined, durationMs, generation);
    return true;
  }

  /**
   * A sync throw: counted or ignored, then answered by the fallback or handed back as {@link THROW}.
   * The thrown value is stored last: listeners run before, and may run calls of their own.
   */
  #onError(thisArg: unknown, args: readonly unknown[], error: unknown, start: number, generation: number): unknown {
    const counted = this.recordError(error, this.since(start), generation);
    if (counted && this.fallback !== undefined && this.#options.fallbackOn === 'any') return this.#fallback(thisArg, args, error, false);
    this.#thrown = error;
    return THROW;
  }

  /** An async rejection: like {@link CallRunner.#onError}, but it rejects the caller's promise by throwing. */
  #onAsyncError(thisArg: unknown, args: readonly unknown[], error: unknown, start: number, generation: number): unknown {
    const answer = this.#onError(thisArg, args, error, start, generation);
    if (answer === THROW) throw this.takeThrown();
    return answer;
  }

  #recordFailure(error: unknown, result: unknown, durationMs: number, generation: number): void {
    this.failures++;
    this.lastFailureAt = this.#clock.now();
    if (this.#events.has('failure')) {
      this.#events.emit(
        'failure',
        error === undefined && result !== undefined
          ? { name: this.#name, durationMs, error, result }
          : { name: this.#name, durationMs, error },
      );
    }
    this.#machine.failed(durationMs, error === undefined ? result : error, generation);
  }

  #fallback(thisArg: unknown, args: readonly unknown[], error: unknown, async: boolean): unknown {
    this.fallbacks++;
    if (this.#events.has('fallback')) this.#events.emit('fallback', { name: this.#name, error });
    return runFallback(this.fallback as AnyFallback, thisArg, args, error, async);
  }
}
