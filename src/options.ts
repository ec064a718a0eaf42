import { type Backoff, stepMs, toBackoff } from './backoff.js';
import { type Clock, monotonicClock } from './clock.js';
import { createDetector, type DetectorFactory, type DetectorName, detectorOptionNames } from './detectors/create.js';
import type { FailureDetector } from './detectors/detector.js';
import type { StateChangeEvent } from './events.js';
import { type BreakerLogger, checkLogger } from './logger.js';
import type { Registry } from './registry.js';
import { type BreakerSnapshot, checkSnapshot } from './snapshot.js';
import type { StateStore } from './storage/state-store.js';
import { checkDuration, checkFunction, checkInteger, checkKnownKeys, checkName, checkOneOf, invalid } from './validate.js';

/** A class of errors, for `recordErrors` and `ignoreErrors`. */
// biome-ignore lint/suspicious/noExplicitAny: error constructors take arbitrary arguments
export type ErrorClass = abstract new (...args: any[]) => unknown;

/** How a rejected call answers: `'auto'` (default) follows the function, see {@link CircuitBreakerOptions.kind}. */
export type CallKind = 'auto' | 'sync' | 'async';

/**
 * A fallback receives the error that stopped the call first, then the call's arguments (with the
 * call's `this`), and returns what the call would have returned (for an async function, the value or a
 * promise of it). The error's place never depends on how many arguments the caller passed. Typed by
 * the function when the breaker wraps one (`circuitBreaker(fn, ...)`), loosely otherwise.
 *
 * @example
 * const getUser = circuitBreaker(fetchUser, { fallback: (error, id) => ({ id, name: 'unknown' }) });
 */
// biome-ignore lint/suspicious/noExplicitAny: `this` is whatever the call had
export type Fallback<Args extends readonly unknown[], Result, This = any> = (
  this: This,
  error: unknown,
  ...args: Args
) => FallbackResult<Result>;

/** What a fallback may return for a function returning `Result`: the value, or a promise of it when async. */
export type FallbackResult<Result> = Result extends PromiseLike<infer Value> ? Value | PromiseLike<Value> : Result;

/**
 * Options of a circuit breaker. Every one is optional; durations are milliseconds.
 * `Args` and `Result` type the fallback and `isResultFailure` when the breaker wraps one function.
 */
// biome-ignore lint/suspicious/noExplicitAny: the default accepts any function's arguments
export interface CircuitBreakerOptions<Args extends readonly unknown[] = any[], Result = unknown> {
  /**
   * The breaker's name, accepted here so that a preset's options pass whole:
   * `new CircuitBreaker(preset.name, preset)`, `registry.getOrCreate(preset.name, preset)`. When
   * given, it must equal the name the breaker is created with.
   */
  readonly name?: string;
  /**
   * Failures that open the breaker: in a row (detector `'consecutive'`, the default) or within
   * `timeWindow` (detector `'timeWindow'`). An integer from 1 to 100 000.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * Successful trial calls in a row, while half-open, that close the breaker again. At most 100 000.
   * @default 3
   */
  readonly successThreshold?: number;
  /**
   * Milliseconds the breaker stays open before it lets a trial call through, or a {@link Backoff}
   * (`exponentialBackoff(...)`, `withJitter(...)`) whose step grows each time a trial fails and the
   * breaker reopens, and starts again once it closes. At most 2^31 − 1 ms, like every duration (a
   * backoff step beyond, or not a finite number, is clamped to 2^31 − 1 ms).
   * @default 60000
   */
  readonly recoveryTimeout?: number | Backoff;
  /**
   * Milliseconds a half-open breaker waits for an outcome while trial calls are in flight; past
   * that it reopens (reason `trial_timed_out`, next backoff step), so a hung trial cannot wedge it.
   * Checked lazily on the next call or `state` read. Unset: it waits for the trial however long.
   */
  readonly halfOpenMaxWait?: number;
  /**
   * Milliseconds an async call may take: past that the caller gets a {@link CallTimeoutError}, which
   * counts as a failure (subject to `recordErrors`/`ignoreErrors`/`isFailure` like any error), and the
   * call's later outcome is dropped. `callWithSignal()` also aborts the signal it handed out. A sync
   * function cannot be interrupted: it runs to the end and its result stands. Unset: no timer at all.
   */
  readonly timeout?: number;
  /** A snapshot from `breaker.snapshot()` to start from (state, backoff step, detector window). */
  readonly initialState?: BreakerSnapshot;
  /**
   * Trial calls allowed in flight at once while half-open; further calls are rejected.
   * @default 1
   */
  readonly halfOpenMaxCalls?: number;
  /**
   * Only errors that are instances of one of these classes count as failures; others pass through
   * uncounted. Unset: every error counts (minus `ignoreErrors`).
   */
  readonly recordErrors?: readonly ErrorClass[];
  /** Errors that are instances of one of these classes pass through and count as neither success nor failure. Wins over `recordErrors`. */
  readonly ignoreErrors?: readonly ErrorClass[];
  /** Decides whether a thrown value counts as a failure (after `ignoreErrors`/`recordErrors`); `false` ignores it. */
  readonly isFailure?: (error: unknown) => boolean;
  /** Decides whether a returned value counts as a failure (an HTTP 503 response, say). The value is still returned. */
  readonly isResultFailure?: (result: Awaited<Result>) => boolean;
  /** Called instead of the function when the breaker rejects a call (and, with `fallbackOn: 'any'`, when the call fails). */
  readonly fallback?: Fallback<Args, Result>;
  /**
   * `'rejected'`: the fallback answers calls the breaker rejects. `'any'`: also calls that fail with a counted error.
   * @default 'rejected'
   */
  readonly fallbackOn?: 'rejected' | 'any';
  /**
   * How a rejected call answers. `'auto'`: a rejected promise when the function is `async` or has
   * ever returned a thenable, a thrown error otherwise. `'sync'`/`'async'` force one shape.
   * @default 'auto'
   */
  readonly kind?: CallKind;
  /**
   * How failures open the breaker: a built-in detector by name (configured by the options below), a
   * factory `({ clock }) => FailureDetector` (called once per breaker, with the breaker's clock), or an
   * instance (then it belongs to this breaker alone). See the README, "Choosing a detector".
   * @default 'consecutive'
   */
  readonly detector?: DetectorName | FailureDetector | DetectorFactory;
  /**
   * Milliseconds the window of `'timeWindow'` and `'rateWindow'` (and `'slowCalls'` with a time window) covers:
   * from 1 to 2^31 − 1, and at least 1 ms a bucket (`timeWindow / windowBuckets >= 1`).
   * @default 60000
   */
  readonly timeWindow?: number;
  /**
   * Buckets the `'rateWindow'` window is split in; it slides one bucket at a time.
   * @default 10
   */
  readonly windowBuckets?: number;
  /**
   * Calls the `'countWindow'` (or `'slowCalls'`) detector rates: the last `windowSize`, at most 100 000.
   * @default 20
   */
  readonly windowSize?: number;
  /**
   * Failure rate (0–1) at or above which `'countWindow'` and `'rateWindow'` trip.
   * @default 0.5
   */
  readonly failureRateThreshold?: number;
  /**
   * Calls the window must hold before a rate detector can trip.
   * @default 10 (at most `windowSize`)
   */
  readonly minimumCalls?: number;
  /**
   * Milliseconds above which a call counts as slow, for `'slowCalls'` (required there) and, when set,
   * for `'countWindow'`/`'rateWindow'`, which then also trip on the slow-call rate.
   */
  readonly slowCallDuration?: number;
  /**
   * Slow-call rate (0–1) at or above which the detector trips.
   * @default 0.5
   */
  readonly slowCallRateThreshold?: number;
  /**
   * The clock that times recovery and durations. Read once at construction: it must return a finite number.
   * @default performance.now()
   */
  readonly clock?: Clock;
  /** A listener for `stateChange`, added at construction. */
  readonly onStateChange?: (event: StateChangeEvent) => void;
  /**
   * Logs every state transition with its reason: `warn` for opening, `info` for the rest.
   * `console` fits, as do pino and winston. Off when unset.
   * @default undefined
   */
  readonly logger?: BreakerLogger;
  /**
   * The registry a named breaker joins; `false` joins none.
   * @default the default registry (`CircuitBreaker.registry`)
   */
  readonly registry?: Registry | false;
  /**
   * Capture a stack trace in each `CircuitOpenError`. Off by default: a rejection is control flow, and
   * a stack costs microseconds per rejected call.
   * @default false
   */
  readonly captureStackTrace?: boolean;
  /**
   * Shares this breaker's state with peers of the same name: a {@link StateStore} such as
   * `MemoryStateStore` or `RedisStateStore` from `tripswitch/redis`. Calls are still decided locally;
   * after the recovery timeout the breaker keeps rejecting until the store grants it the probe lease.
   * @default undefined (the breaker decides alone)
   */
  readonly store?: StateStore;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  readonly failureThreshold: number;
  readonly successThreshold: number;
  /** The first step of `recoveryBackoff`, in ms. */
  readonly recoveryTimeout: number;
  readonly recoveryBackoff: Backoff;
  readonly halfOpenMaxCalls: number;
  readonly halfOpenMaxWait: number | undefined;
  readonly timeout: number | undefined;
  readonly initialState: BreakerSnapshot | undefined;
  readonly recordErrors: readonly ErrorClass[] | undefined;
  readonly ignoreErrors: readonly ErrorClass[] | undefined;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly fallback: ((error: unknown, ...args: unknown[]) => unknown) | undefined;
  readonly fallbackOn: 'rejected' | 'any';
  readonly kind: CallKind;
  readonly detector: FailureDetector;
  readonly clock: Clock;
  readonly onStateChange: ((event: StateChangeEvent) => void) | undefined;
  readonly logger: BreakerLogger | undefined;
  readonly captureStackTrace: boolean;
  readonly store: StateStore | undefined;
}

/** The defaults, in one place (README's option table repeats them). */
export const defaults = Object.freeze({
  failureThreshold: 5,
  successThreshold: 3,
  recoveryTimeout: 60_000,
  halfOpenMaxCalls: 1,
  fallbackOn: 'rejected',
  kind: 'auto',
  captureStackTrace: false,
} as const);

// One shared instance: an idle breaker with the default recovery timeout carries no backoff of its own.
const defaultRecoveryBackoff = toBackoff(defaults.recoveryTimeout);

/** Every option name a breaker accepts. Wrappers and decorators add their own on top. */
export const breakerOptionNames: ReadonlySet<string> = new Set([
  'name',
  'failureThreshold',
  'successThreshold',
  'recoveryTimeout',
  'halfOpenMaxCalls',
  'halfOpenMaxWait',
  'timeout',
  'initialState',
  ...detectorOptionNames,
  'recordErrors',
  'ignoreErrors',
  'isFailure',
  'isResultFailure',
  'fallback',
  'fallbackOn',
  'kind',
  'detector',
  'clock',
  'onStateChange',
  'logger',
  'registry',
  'captureStackTrace',
  'store',
]);

// Stands in for a user's detector factory when options are only checked: the factory runs once per breaker, never for validation.
const standInDetector: DetectorFactory = () => createDetector(undefined, {}, monotonicClock);

/**
 * Checks breaker options where they are written (a preset, a decorator) without building a breaker:
 * the same rules and messages as the constructor, and a detector factory is not called.
 * @throws {TypeError | RangeError} naming the option, the value and what is allowed.
 */
export function validateOptions(options: CircuitBreakerOptions, name?: string): void {
  const detector = typeof options === 'object' && options !== null ? options.detector : undefined;
  resolveOptions(typeof detector === 'function' ? { ...options, detector: standInDetector } : options, name);
}

/**
 * Validates breaker options once, at construction, and fills in defaults. Throws a `TypeError` or
 * `RangeError` naming the option, the value and what is allowed. `name`: the breaker's name, which a
 * `name` option must equal.
 */
export function resolveOptions(options: CircuitBreakerOptions, name?: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('circuit breaker', options, breakerOptionNames);
  const o = options as { [K in keyof CircuitBreakerOptions]: unknown };
  if (o.name !== undefined) checkNameOption(o.name, name);
  const failureThreshold =
    o.failureThreshold === undefined ? defaults.failureThreshold : checkInteger('failureThreshold', o.failureThreshold, 1);
  const clock = o.clock === undefined ? monotonicClock : checkClock(o.clock);
  const detector = createDetector(o.detector, o as CircuitBreakerOptions, clock);
  const recoveryBackoff = o.recoveryTimeout === undefined ? defaultRecoveryBackoff : toBackoff(o.recoveryTimeout);
  if (o.registry !== undefined && o.registry !== false && typeof (o.registry as Registry | null)?.register !== 'function') {
    throw invalid('registry', 'a Registry or false', o.registry);
  }
  return Object.freeze({
    failureThreshold,
    successThreshold:
      o.successThreshold === undefined ? defaults.successThreshold : checkInteger('successThreshold', o.successThreshold, 1),
    recoveryTimeout: stepMs(recoveryBackoff, 1),
    recoveryBackoff,
    halfOpenMaxCalls:
      o.halfOpenMaxCalls === undefined ? defaults.halfOpenMaxCalls : checkInteger('halfOpenMaxCalls', o.halfOpenMaxCalls, 1),
    halfOpenMaxWait: o.halfOpenMaxWait === undefined ? undefined : checkDuration('halfOpenMaxWait', o.halfOpenMaxWait, false),
    timeout: o.timeout === undefined ? undefined : checkDuration('timeout', o.timeout, false),
    initialState: o.initialState === undefined ? undefined : checkSnapshot(o.initialState, 'initialState'),
    recordErrors: optionalClasses('recordErrors', o.recordErrors),
    ignoreErrors: optionalClasses('ignoreErrors', o.ignoreErrors),
    isFailure: optionalFunction<(error: unknown) => boolean>('isFailure', o.isFailure),
    isResultFailure: optionalFunction<(result: unknown) => boolean>('isResultFailure', o.isResultFailure),
    fallback: optionalFunction<(error: unknown, ...args: unknown[]) => unknown>('fallback', o.fallback),
    fallbackOn: o.fallbackOn === undefined ? defaults.fallbackOn : checkOneOf('fallbackOn', o.fallbackOn, ['rejected', 'any'] as const),
    kind: o.kind === undefined ? defaults.kind : checkOneOf('kind', o.kind, ['auto', 'sync', 'async'] as const),
    detector,
    clock,
    onStateChange: optionalFunction<(event: StateChangeEvent) => void>('onStateChange', o.onStateChange),
    logger: o.logger === undefined ? undefined : checkLogger(o.logger),
    captureStackTrace:
      o.captureStackTrace === undefined ? defaults.captureStackTrace : checkBoolean('captureStackTrace', o.captureStackTrace),
    store: o.store === undefined ? undefined : checkStore(o.store),
  });
}

/** Checks a breaker name (non-empty string). */
export function checkBreakerName(name: unknown): string {
  return checkName('name', name);
}

/** A `name` option (from a preset, say) is a non-empty string equal to the breaker's name, when that is known. */
function checkNameOption(value: unknown, name: string | undefined): void {
  checkName('name', value);
  if (name !== undefined && value !== name) {
    throw invalid('name', `the breaker's name ${JSON.stringify(name)} (or left out)`, value);
  }
}

function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(option, 'a boolean', value);
  return value;
}

function optionalFunction<F>(option: string, value: unknown): F | undefined {
  return value === undefined ? undefined : checkFunction<F>(option, value);
}

function optionalClasses(option: string, value: unknown): readonly ErrorClass[] | undefined {
  if (value === undefined) return undefined;
  // A class, or a function with its own Symbol.hasInstance: anything else makes `instanceof` throw at call time.
  if (!Array.isArray(value) || value.some((c) => !isErrorClass(c))) {
    throw invalid(option, 'an array of error classes', value);
  }
  return value.length === 0 ? undefined : Object.freeze([...(value as ErrorClass[])]);
}

function isErrorClass(value: unknown): boolean {
  if (typeof value !== 'function') return false;
  const prototype: unknown = value.prototype;
  return (typeof prototype === 'object' && prototype !== null) || value[Symbol.hasInstance] !== Function.prototype[Symbol.hasInstance];
}

function checkClock(value: unknown): Clock {
  if (typeof (value as Clock | null)?.now !== 'function') throw invalid('clock', 'an object with a now() method', value);
  // A clock reading NaN would leave the breaker open forever (every comparison with NaN is false): refuse it now.
  const reading = (value as Clock).now();
  if (typeof reading !== 'number' || !Number.isFinite(reading)) {
    throw invalid('clock', 'an object whose now() returns a finite number', reading);
  }
  return value as Clock;
}

function checkStore(value: unknown): StateStore {
  if (typeof (value as StateStore | null)?.attach !== 'function')
    throw invalid('store', 'a StateStore (an object with an attach() method)', value);
  return value as StateStore;
}
