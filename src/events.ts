import type { DetectorStats } from './detectors/detector.js';
import type { CircuitState } from './state.js';
import { describeValue } from './validate.js';

/** Why a breaker changed state. */
export type TransitionReason =
  | 'failure_threshold'
  | 'slow_call_rate'
  | 'recovery_timeout'
  | 'trial_succeeded'
  | 'trial_failed'
  | 'trial_timed_out'
  | 'manual_trip'
  | 'manual_reset'
  | 'manual_disable'
  | 'restored'
  | 'remote';

/** Payload of the `stateChange` event. `at` is when the transition happened, in epoch milliseconds. */
export interface StateChangeEvent {
  readonly name: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  readonly at: number;
  /**
   * The detector's figures as it tripped (reasons `failure_threshold` and `slow_call_rate` only), read
   * before the breaker resets it: what a log line or a dashboard needs to say why the circuit opened.
   */
  readonly detector?: DetectorStats;
}

/** Payload of the `success` event. `durationMs` is `NaN` unless durations are measured. */
export interface SuccessEvent {
  readonly name: string;
  readonly durationMs: number;
}

/**
 * Payload of the `failure` event: a thrown or rejected value that counts as a failure, or a result
 * that `isResultFailure` rejected (then `error` is `undefined` and `result` holds the value).
 */
export interface FailureEvent {
  readonly name: string;
  readonly durationMs: number;
  readonly error: unknown;
  readonly result?: unknown;
}

/** Payload of the `rejected` event: the breaker refused a call without running it. */
export interface RejectedEvent {
  readonly name: string;
  readonly state: CircuitState;
  readonly error: Error;
}

/** Payload of the `fallback` event: the fallback ran in place of a rejected or failed call. */
export interface FallbackEvent {
  readonly name: string;
  readonly error: unknown;
}

/** Payload of the `ignored` event: an error passed through without counting (see `ignoreErrors`). */
export interface IgnoredEvent {
  readonly name: string;
  readonly error: unknown;
}

/**
 * Payload of the `listenerError` event: user code the breaker ran (a listener, `isFailure`,
 * `isResultFailure`, a detector method, the backoff, a store callback) threw. The call it observed is
 * unaffected. `event` names the hook (`stateChange`, `isFailure`, `detector.onFailure`, `store.transitioned`, ...).
 * When nobody listens to `listenerError`, the first error of each hook is printed with `console.error`
 * (and then every tenfold count: 10th, 100th, ...), never rethrown: a hook never ends the process.
 */
export interface ListenerErrorEvent {
  readonly name: string;
  readonly event: string;
  readonly error: unknown;
}

/** Every event a breaker emits, by name. */
export interface BreakerEvents {
  stateChange: StateChangeEvent;
  success: SuccessEvent;
  failure: FailureEvent;
  rejected: RejectedEvent;
  fallback: FallbackEvent;
  ignored: IgnoredEvent;
  listenerError: ListenerErrorEvent;
}

/** A listener of event `K`. */
export type Listener<K extends keyof BreakerEvents> = (event: BreakerEvents[K]) => void;

/** Removes the listener it was returned for. Calling it twice is harmless. */
export type Unsubscribe = () => void;

type ListenerLists = { [K in keyof BreakerEvents]?: Listener<K>[] };

/** Every event name a breaker emits, for checking `on()`. */
export const breakerEventNames: ReadonlySet<string> = new Set<keyof BreakerEvents>([
  'stateChange',
  'success',
  'failure',
  'rejected',
  'fallback',
  'ignored',
  'listenerError',
]);

/**
 * A tiny typed listener set. Emitting to an event nobody listens to costs one property read, and the
 * breaker checks {@link Emitter.has} before it builds a payload. It is also where errors of user code
 * go ({@link Emitter.report}): the one policy for every hook.
 */
export class Emitter {
  #lists: ListenerLists = {};
  /** Errors per hook reported while nobody listened to `listenerError`. */
  #unheard: Map<string, number> | undefined;
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  has(event: keyof BreakerEvents): boolean {
    return this.#lists[event] !== undefined;
  }

  /** @throws {TypeError} for an unknown event name or a listener that is not a function. */
  on<K extends keyof BreakerEvents>(event: K, listener: Listener<K>): Unsubscribe {
    if (!breakerEventNames.has(event)) {
      throw new TypeError(`Expected an event name, one of ${[...breakerEventNames].join(', ')}, got ${describeValue(event)}`);
    }
    if (typeof listener !== 'function') throw new TypeError(`Expected a \`${event}\` listener function, got ${describeValue(listener)}`);
    // Copy on write: an emit in progress keeps iterating the list it started with.
    const lists = this.#lists as Record<K, Listener<K>[] | undefined>;
    lists[event] = [...(lists[event] ?? []), listener];
    return () => {
      const current = lists[event];
      if (current === undefined) return;
      const next = current.filter((l) => l !== listener);
      lists[event] = next.length === 0 ? undefined : next;
    };
  }

  emit<K extends keyof BreakerEvents>(event: K, payload: BreakerEvents[K]): void {
    const list = (this.#lists as Record<K, Listener<K>[] | undefined>)[event];
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        this.report(event, error);
      }
    }
  }

  /**
   * Where an error thrown by user code goes; it never changes a call's outcome. To `listenerError`
   * listeners; when there are none (or one of them threw), printed with `console.error` the first
   * time a hook fails and then at every tenfold count, never rethrown.
   */
  report(hook: string, error: unknown): void {
    if (hook !== 'listenerError' && this.#lists.listenerError !== undefined) {
      this.emit('listenerError', { name: this.#source, event: hook, error });
      return;
    }
    this.#unheard ??= new Map();
    const count = (this.#unheard.get(hook) ?? 0) + 1;
    this.#unheard.set(hook, count);
    if (!isPowerOfTen(count)) return;
    const out = (globalThis as { console?: { error?: (...data: unknown[]) => void } }).console;
    out?.error?.(
      `tripswitch: circuit "${this.#source}": ${hook} threw (${count} time${count === 1 ? '' : 's'} so far; ` +
        "listen to 'listenerError' to handle these). The call was not affected:",
      error,
    );
  }
}

function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}
