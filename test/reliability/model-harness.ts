import { expect, vi } from 'vitest';
import {
  type BreakerSnapshot,
  CircuitBreaker,
  type CircuitBreakerOptions,
  exponentialBackoff,
  isCallTimeoutError,
  isCircuitOpenError,
  type LocalTransition,
  type StateChangeEvent,
  type StateStore,
} from '../../src/index.js';
import { BreakerModel, type ModelConfig, type ModelRejection, type ModelSnapshot, type SharedTime } from './model.js';

/*
 * The real side of the model-based test: one history's breaker, the calls in flight, and what each
 * caller must see. Commands (./model-commands.ts) drive this and the reference model (./model.ts) alike.
 */

export class Ignored extends Error {}
export const BAD = Symbol('bad result');
export type Outcome = 'success' | 'failure' | 'ignored' | 'badResult';

/** How callers are answered (the breaker options that shape answers rather than the state machine), and the breaker's clock. */
export interface CallerConfig {
  /**
   * `'injected'`: `{ now: () => time.now }`; `'default'`: the breaker's own `performance.now()` clock, faked
   * by vi.useFakeTimers and moved in step with the shared time (so both read the same).
   */
  readonly clock: 'injected' | 'default';
  /** `'none'`: no fallback; otherwise the `fallbackOn` value. */
  readonly fallback: 'none' | 'rejected' | 'any';
  readonly kind: 'auto' | 'sync' | 'async';
}

/** What the caller saw: a plain value, a synchronous throw, or a promise. */
export type Answer =
  | { kind: 'value'; value: unknown }
  | { kind: 'thrown'; error: unknown }
  | { kind: 'promise'; promise: Promise<unknown> };
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };
export type Slot = { resolve?: (v: unknown) => void; reject?: (e: unknown) => void; signal?: AbortSignal };

/** An async call in flight, with the model of the breaker that ran it (a restore into a fresh breaker leaves it on the old one). */
export interface Pending {
  readonly model: BreakerModel;
  readonly generation: number;
  readonly startedAt: number;
  /** When its `timeout` runs out, or `Infinity`. */
  readonly deadline: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** The signal `callWithSignal` handed out, for a call made that way. */
  readonly signal: AbortSignal | undefined;
  /** Filled when the caller's promise settles. */
  settled: Settled | undefined;
  timedOut: boolean;
}

/** One breaker and its wrapped call sites. */
export interface Real {
  readonly breaker: CircuitBreaker;
  readonly events: StateChangeEvent[];
  readonly syncCall: (outcome: Outcome) => unknown;
  readonly asyncCall: (slot: Slot) => unknown;
  /** The same through `callWithSignal` (its own call site). */
  readonly signalCall: (slot: Slot) => unknown;
  /** What the recording store (config `store`) was told, in order. */
  readonly told: LocalTransition[];
  /** Errors of throwing hooks that reached `listenerError` (config `throwingHooks`). */
  readonly hookErrors: { count: number };
}

/** One history: the shared time, the current model and breaker, the calls in flight, the last snapshot taken. */
export interface World {
  readonly config: ModelConfig;
  readonly caller: CallerConfig;
  readonly time: SharedTime;
  /** `Date.now()` minus the shared time: fake `Date` moves in step with it, so snapshots convert exactly. */
  readonly epochOffset: number;
  model: BreakerModel;
  real: Real;
  readonly pending: Pending[];
  /** Whether the current breaker's async sites have returned a thenable (with `kind: 'auto'` they then refuse with a promise). */
  readonly seen: { async: boolean; signal: boolean; syncValue: boolean; restoredAsync: boolean };
  saved: { real: BreakerSnapshot; model: ModelSnapshot } | undefined;
  /** Every model of the history (a restore into a fresh breaker adds one), for the figures. */
  readonly models: BreakerModel[];
  /** Figures: async outcomes that took time, timeouts, settlements after a timeout, snapshots, restores. */
  readonly counts: { timed: number; timeouts: number; lateAfterTimeout: number; snapshots: number; restores: number };
}

/** The sync site throws this exact value, so the test can check it is rethrown unchanged. */
export const thrownBy = new Map<Outcome, unknown>([
  ['failure', new Error('failed')],
  ['ignored', new Ignored('ignored')],
]);

export function answer(run: () => unknown): Answer {
  try {
    const value = run();
    if (value instanceof Promise) return { kind: 'promise', promise: value };
    return { kind: 'value', value };
  } catch (error) {
    return { kind: 'thrown', error };
  }
}

export const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Lets every settled promise's handlers run (setImmediate is never faked here). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Checks the shape (sync value or throw, or promise) and the outcome of an answer. */
export async function expectAnswer(got: Answer, async: boolean, expected: (settled: Settled) => void): Promise<void> {
  if (async) {
    expect(got.kind).toBe('promise');
    expected(await settle((got as { promise: Promise<unknown> }).promise));
  } else {
    expect(got.kind).not.toBe('promise');
    expected(got.kind === 'value' ? { ok: true, value: got.value } : { ok: false, error: (got as { error: unknown }).error });
  }
}

/** A refused call: `CircuitOpenError` with the model's state and retry time, or the fallback's answer. */
export function expectRefusal(world: World, rejection: ModelRejection): (settled: Settled) => void {
  if (world.caller.fallback !== 'none') {
    world.model.totals.fallbacks++;
    return (settled) => expect(settled).toEqual({ ok: true, value: 'fallback:open' });
  }
  return (settled) => {
    expect(settled.ok).toBe(false);
    const error = (settled as { error: unknown }).error;
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({ breakerName: 'model', state: rejection.state, retryAfterMs: rejection.retryAfterMs });
  };
}

/**
 * What the caller of an admitted call gets for `outcome` (`'timeout'`: the breaker's CallTimeoutError);
 * a counted failure goes to the fallback with `fallbackOn: 'any'`, counted by `model`.
 */
export function expectOutcome(
  world: World,
  model: BreakerModel,
  outcome: Outcome | 'timeout',
  thrown: unknown,
): (settled: Settled) => void {
  if (outcome === 'success') return (settled) => expect(settled).toEqual({ ok: true, value: 'ok' });
  if (outcome === 'badResult') return (settled) => expect(settled).toEqual({ ok: true, value: BAD });
  if ((outcome === 'failure' || outcome === 'timeout') && world.caller.fallback === 'any') {
    model.totals.fallbacks++;
    return (settled) => expect(settled).toEqual({ ok: true, value: 'fallback:failed' });
  }
  if (outcome === 'timeout') {
    return (settled) => {
      expect(settled.ok).toBe(false);
      const error = (settled as { error: unknown }).error;
      expect(isCallTimeoutError(error)).toBe(true);
      expect(error).toMatchObject({ breakerName: 'model', timeoutMs: world.config.timeout });
    };
  }
  return (settled) => expect(settled).toEqual({ ok: false, error: thrown });
}

/**
 * Whether a refusal at this site answers with a promise: `callWithSignal` always; otherwise `kind`, and
 * with `'auto'` the site's own shape or, for a site that never answered synchronously, the breaker's
 * (README "Call shapes").
 */
export function refusesAsync(world: World, site: 'sync' | 'async' | 'signal'): boolean {
  const kind = world.caller.kind;
  if (site === 'signal' || kind === 'async') return true;
  if (kind === 'sync') return false;
  const breakerSeenAsync = world.seen.async || world.seen.signal || world.seen.restoredAsync;
  return site === 'async' ? breakerSeenAsync : !world.seen.syncValue && breakerSeenAsync;
}

/** Tells `model` the outcome of a call that took `durationMs`. */
export function record(model: BreakerModel, outcome: Outcome | 'timeout', generation: number, durationMs: number): void {
  if (outcome === 'success') model.succeeded(generation, durationMs);
  else if (outcome === 'ignored') model.ignored(generation);
  else model.failed(generation, durationMs);
}

/** The breaker options for a model configuration (the `initialState` one too, for a fresh breaker from a snapshot). */
export function breakerOptions(world: Pick<World, 'config' | 'caller' | 'time'>, events: StateChangeEvent[]): CircuitBreakerOptions {
  const { config, caller, time } = world;
  const d = config.detector;
  const r = config.recovery;
  return {
    ...(d.type === 'consecutive'
      ? { failureThreshold: d.failureThreshold }
      : d.type === 'timeWindow'
        ? { detector: d.type, failureThreshold: d.failureThreshold, timeWindow: d.timeWindow }
        : {
            detector: d.type,
            windowSize: d.windowSize,
            minimumCalls: d.minimumCalls,
            slowCallRateThreshold: d.slowCallRateThreshold,
            ...(d.type === 'countWindow' ? { failureRateThreshold: d.failureRateThreshold } : {}),
            ...(d.slowCallDuration === undefined ? {} : { slowCallDuration: d.slowCallDuration }),
          }),
    successThreshold: config.successThreshold,
    halfOpenMaxCalls: config.halfOpenMaxCalls,
    recoveryTimeout: typeof r === 'number' ? r : exponentialBackoff(r),
    ...(config.halfOpenMaxWait === undefined ? {} : { halfOpenMaxWait: config.halfOpenMaxWait }),
    ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
    ...(caller.clock === 'injected' ? { clock: { now: () => time.now } } : {}),
    registry: false,
    kind: caller.kind,
    ignoreErrors: [Ignored],
    isResultFailure: (result: unknown) => result === BAD,
    onStateChange: (event) => events.push(event),
    ...(config.throwingHooks === true
      ? {
          isFailure: () => {
            throw new Error('isFailure broke');
          },
        }
      : {}),
    ...(caller.fallback === 'none'
      ? {}
      : {
          fallbackOn: caller.fallback,
          fallback: (error: unknown) => (isCircuitOpenError(error) ? 'fallback:open' : 'fallback:failed'),
        }),
  };
}

/** A breaker with its two call sites; `initialState` restores a snapshot in the constructor. */
export function makeReal(world: Pick<World, 'config' | 'caller' | 'time'>, initialState?: BreakerSnapshot): Real {
  const events: StateChangeEvent[] = [];
  const told: LocalTransition[] = [];
  const hookErrors = { count: 0 };
  const { config } = world;
  const options = breakerOptions(world, events);
  const store = config.store === true ? recordingStore(told, config.throwingHooks === true) : undefined;
  const breaker = new CircuitBreaker('model', {
    ...options,
    ...(initialState === undefined ? {} : { initialState }),
    ...(store === undefined ? {} : { store }),
  });
  if (config.throwingHooks === true) {
    const broken = (): never => {
      throw new Error('listener broke');
    };
    breaker.on('stateChange', broken);
    breaker.on('success', broken);
    breaker.on('failure', broken);
    breaker.on('rejected', broken);
    breaker.on('listenerError', () => {
      hookErrors.count++;
    });
  }
  const reaction = config.reaction;
  if (reaction !== undefined) {
    breaker.on('stateChange', (event) => {
      if (event.to === reaction.on) breaker[reaction.action]();
    });
  }
  const syncCall = breaker.wrap((outcome: Outcome) => {
    if (outcome === 'success') return 'ok';
    if (outcome === 'badResult') return BAD;
    throw thrownBy.get(outcome);
  });
  // Not `async`: the breaker learns the site is asynchronous from the first thenable it returns.
  const asyncCall = breaker.wrap(
    (slot: Slot) =>
      new Promise((resolve, reject) => {
        slot.resolve = resolve;
        slot.reject = reject;
      }),
  );
  let current: Slot = {};
  const withSignal = (signal: AbortSignal) =>
    new Promise((resolve, reject) => {
      current.resolve = resolve;
      current.reject = reject;
      current.signal = signal;
    });
  const signalCall = (slot: Slot): unknown => {
    current = slot;
    return breaker.callWithSignal(withSignal);
  };
  return { breaker, events, syncCall, asyncCall, signalCall, told, hookErrors };
}

/** A store that records what it is told (throwing after recording, when `throwing`) and grants every probe at once. */
function recordingStore(told: LocalTransition[], throwing: boolean): StateStore {
  return {
    attach: (port) => ({
      transitioned: (change) => {
        told.push(change);
        if (throwing) throw new Error('store broke');
      },
      requestProbe: () => {
        port.grantProbe();
      },
      detach: () => {},
    }),
  } as StateStore;
}

/** A new history at shared time 0; timers left by earlier histories are dropped. */
export function setup(config: ModelConfig, caller: CallerConfig): World {
  vi.clearAllTimers();
  const time: SharedTime = { now: 0 };
  const model = new BreakerModel(config, time);
  const real = makeReal({ config, caller, time });
  return {
    config,
    caller,
    time,
    epochOffset: Date.now(),
    model,
    real,
    pending: [],
    seen: { async: false, signal: false, syncValue: false, restoredAsync: false },
    saved: undefined,
    models: [model],
    counts: { timed: 0, timeouts: 0, lateAfterTimeout: 0, snapshots: 0, restores: 0 },
  };
}
