import type { DetectorStats } from './detectors/detector.js';
import type { CircuitState } from './state.js';

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

/** Payload of the `stateChange` event. Times are readings of the breaker's clock (ms). */
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
 * Payload of the `listenerError` event: a listener, predicate or hook threw. The call it observed is
 * unaffected. When nobody listens to `listenerError`, the error is rethrown in a microtask, so it is
 * never lost silently.
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

/**
 * A tiny typed listener set. Emitting to an event nobody listens to costs one property read, and the
 * breaker checks {@link Emitter.has} before it builds a payload.
 */
export class Emitter {
  #lists: ListenerLists = {};
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  has(event: keyof BreakerEvents): boolean {
    return this.#lists[event] !== undefined;
  }

  on<K extends keyof BreakerEvents>(event: K, listener: Listener<K>): Unsubscribe {
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

  /** Sends an error thrown by user code that must not change a call's outcome to `listenerError`. */
  report(event: string, error: unknown): void {
    const handlers = this.#lists.listenerError;
    if (event !== 'listenerError' && handlers !== undefined) {
      this.emit('listenerError', { name: this.#source, event, error });
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}
