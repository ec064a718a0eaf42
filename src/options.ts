import { type Clock, monotonicClock } from './clock.js';
import { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
import type { FailureDetector } from './detectors/detector.js';
import type { StateChangeEvent } from './events.js';
import type { Registry } from './registry.js';
import type { StateStore } from './storage/state-store.js';
import { checkDuration, checkFunction, checkInteger, checkKnownKeys, checkName, checkOneOf, invalid } from './validate.js';

/** A class of errors, for `recordErrors` and `ignoreErrors`. */
// biome-ignore lint/suspicious/noExplicitAny: error constructors take arbitrary arguments
export type ErrorClass = abstract new (...args: any[]) => unknown;

/** How a rejected call answers: `'auto'` (default) follows the function, see {@link CircuitBreakerOptions.kind}. */
export type CallKind = 'auto' | 'sync' | 'async';

/**
 * A fallback receives the call's arguments followed by the error that stopped it, and returns what
 * the call would have returned (for an async function, the value or a promise of it).
 */
export type Fallback<Args extends readonly unknown[], Result> = (
  ...argsAndError: [...Args, unknown]
) => Result extends PromiseLike<infer Value> ? Value | PromiseLike<Value> : Result;

/**
 * Options of a circuit breaker. Every one is optional; durations are milliseconds.
 * `Args` and `Result` type the fallback and `isResultFailure` when the breaker wraps one function.
 */
// biome-ignore lint/suspicious/noExplicitAny: the default accepts any function's arguments
export interface CircuitBreakerOptions<Args extends readonly unknown[] = any[], Result = unknown> {
  /**
   * Consecutive failures that open the breaker (used by the default detector).
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * Successful trial calls in a row, while half-open, that close the breaker again.
   * @default 3
   */
  readonly successThreshold?: number;
  /**
   * Milliseconds the breaker stays open before it lets a trial call through.
   * @default 60000
   */
  readonly recoveryTimeout?: number;
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
   * A failure detector instance, replacing the default consecutive-failures rule.
   * @default new ConsecutiveFailuresDetector({ failureThreshold })
   */
  readonly detector?: FailureDetector;
  /** The clock that times recovery and durations. @default performance.now() */
  readonly clock?: Clock;
  /** A listener for `stateChange`, added at construction. */
  readonly onStateChange?: (event: StateChangeEvent) => void;
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
  readonly recoveryTimeout: number;
  readonly halfOpenMaxCalls: number;
  readonly recordErrors: readonly ErrorClass[] | undefined;
  readonly ignoreErrors: readonly ErrorClass[] | undefined;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly fallback: ((...argsAndError: unknown[]) => unknown) | undefined;
  readonly fallbackOn: 'rejected' | 'any';
  readonly kind: CallKind;
  readonly detector: FailureDetector;
  readonly clock: Clock;
  readonly onStateChange: ((event: StateChangeEvent) => void) | undefined;
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

/** Every option name a breaker accepts. Wrappers and decorators add their own on top. */
export const breakerOptionNames: ReadonlySet<string> = new Set([
  'failureThreshold',
  'successThreshold',
  'recoveryTimeout',
  'halfOpenMaxCalls',
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
  'registry',
  'captureStackTrace',
  'store',
]);

/**
 * Validates breaker options once, at construction, and fills in defaults. Throws a `TypeError` or
 * `RangeError` naming the option, the value and what is allowed.
 */
export function resolveOptions(options: CircuitBreakerOptions, known: ReadonlySet<string> = breakerOptionNames): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('circuit breaker', options, known);
  const o = options as { [K in keyof CircuitBreakerOptions]: unknown };
  const failureThreshold =
    o.failureThreshold === undefined ? defaults.failureThreshold : checkInteger('failureThreshold', o.failureThreshold, 1);
  const clock = o.clock === undefined ? monotonicClock : checkClock(o.clock);
  if (o.detector !== undefined) checkDetector(o.detector);
  if (o.registry !== undefined && o.registry !== false && typeof (o.registry as Registry | null)?.register !== 'function') {
    throw invalid('registry', 'a Registry or false', o.registry);
  }
  return Object.freeze({
    failureThreshold,
    successThreshold:
      o.successThreshold === undefined ? defaults.successThreshold : checkInteger('successThreshold', o.successThreshold, 1),
    recoveryTimeout: o.recoveryTimeout === undefined ? defaults.recoveryTimeout : checkDuration('recoveryTimeout', o.recoveryTimeout),
    halfOpenMaxCalls:
      o.halfOpenMaxCalls === undefined ? defaults.halfOpenMaxCalls : checkInteger('halfOpenMaxCalls', o.halfOpenMaxCalls, 1),
    recordErrors: optionalClasses('recordErrors', o.recordErrors),
    ignoreErrors: optionalClasses('ignoreErrors', o.ignoreErrors),
    isFailure: optionalFunction<(error: unknown) => boolean>('isFailure', o.isFailure),
    isResultFailure: optionalFunction<(result: unknown) => boolean>('isResultFailure', o.isResultFailure),
    fallback: optionalFunction<(...argsAndError: unknown[]) => unknown>('fallback', o.fallback),
    fallbackOn: o.fallbackOn === undefined ? defaults.fallbackOn : checkOneOf('fallbackOn', o.fallbackOn, ['rejected', 'any'] as const),
    kind: o.kind === undefined ? defaults.kind : checkOneOf('kind', o.kind, ['auto', 'sync', 'async'] as const),
    detector: (o.detector as FailureDetector | undefined) ?? new ConsecutiveFailuresDetector({ failureThreshold }),
    clock,
    onStateChange: optionalFunction<(event: StateChangeEvent) => void>('onStateChange', o.onStateChange),
    captureStackTrace:
      o.captureStackTrace === undefined ? defaults.captureStackTrace : checkBoolean('captureStackTrace', o.captureStackTrace),
    store: o.store === undefined ? undefined : checkStore(o.store),
  });
}

/** Checks a breaker name (non-empty string). */
export function checkBreakerName(name: unknown): string {
  return checkName('name', name);
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
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'function')) {
    throw invalid(option, 'an array of error classes', value);
  }
  return value.length === 0 ? undefined : Object.freeze([...(value as ErrorClass[])]);
}

function checkClock(value: unknown): Clock {
  if (typeof (value as Clock | null)?.now !== 'function') throw invalid('clock', 'an object with a now() method', value);
  return value as Clock;
}

function checkDetector(value: unknown): void {
  const d = value as Partial<Record<string, unknown>> | null;
  const methods = ['onSuccess', 'onFailure', 'shouldTrip', 'reset', 'snapshot', 'restore', 'stats'];
  if (typeof d !== 'object' || d === null || methods.some((m) => typeof d[m] !== 'function')) {
    throw invalid('detector', `a FailureDetector (an object with ${methods.join(', ')})`, value);
  }
}

function checkStore(value: unknown): StateStore {
  if (typeof (value as StateStore | null)?.attach !== 'function')
    throw invalid('store', 'a StateStore (an object with an attach() method)', value);
  return value as StateStore;
}
