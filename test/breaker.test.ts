import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, CircuitOpenError, CircuitState, type StateChangeEvent } from '../src/index.js';
import { boom, deferred, expectThrow, makeBreaker, openBreaker, rejectBoom } from './helpers.js';

describe('CircuitBreaker state machine', () => {
  it('starts closed with the seed defaults', () => {
    const { breaker } = makeBreaker();
    const status = breaker.status();
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(status).toMatchObject({ failureThreshold: 5, successThreshold: 3, recoveryTimeoutMs: 60_000, halfOpenMaxCalls: 1 });
  });

  it('opens on the Nth consecutive failure and not before', () => {
    const { breaker } = makeBreaker({ failureThreshold: 3 });
    expectThrow(() => breaker.call(boom));
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('closed');
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('open');
  });

  it('starts the count again after a success', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    expectThrow(() => breaker.call(boom));
    breaker.call(() => 1);
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('closed');
  });

  it('rejects without calling the function while open', () => {
    const { breaker } = openBreaker({ failureThreshold: 1 });
    const fn = vi.fn(() => 1);
    const error = expectThrow(() => breaker.call(fn));
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ breakerName: 'test', state: 'open', retryAfterMs: 60_000, code: 'ERR_CIRCUIT_OPEN' });
  });

  it('reports the remaining recovery time in retryAfterMs', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 10_000 });
    clock.advance(2_500);
    expect(expectThrow(() => breaker.call(() => 1))).toMatchObject({ retryAfterMs: 7_500 });
    expect(breaker.status().timeUntilRecoveryMs).toBe(7_500);
  });

  it('stays open until the recovery timeout has fully passed', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000 });
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
  });

  it('moves to half-open on the next call after the recovery timeout and runs it as a trial', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, successThreshold: 2 });
    clock.advance(1_000);
    const fn = vi.fn(() => 'ok');
    expect(breaker.call(fn)).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('half_open');
    expect(breaker.status().halfOpenSuccesses).toBe(1);
  });

  it('closes after successThreshold successful trials in a row', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, successThreshold: 3 });
    clock.advance(1_000);
    breaker.call(() => 1);
    breaker.call(() => 1);
    expect(breaker.state).toBe('half_open');
    breaker.call(() => 1);
    expect(breaker.state).toBe('closed');
  });

  it('reopens on any trial failure, with a fresh recovery timeout', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, successThreshold: 3 });
    clock.advance(1_000);
    breaker.call(() => 1);
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('open');
    expect(breaker.status().timeUntilRecoveryMs).toBe(1_000);
  });

  it('admits exactly halfOpenMaxCalls concurrent trials and rejects the rest', async () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, halfOpenMaxCalls: 2, successThreshold: 1 });
    clock.advance(1_000);
    const gates = [deferred<number>(), deferred<number>()];
    const fn = vi.fn((i: number) => (gates[i] as { promise: Promise<number> }).promise);
    const first = breaker.call(fn, 0);
    const second = breaker.call(fn, 1);
    const third = breaker.call(fn, 2);
    await expect(third).rejects.toMatchObject({ name: 'CircuitOpenError', state: 'half_open', retryAfterMs: 0 });
    expect(fn).toHaveBeenCalledTimes(2);
    gates[0]?.resolve(1);
    gates[1]?.resolve(2);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(breaker.state).toBe('closed');
  });

  it('frees a trial slot when a trial settles', async () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, successThreshold: 2 });
    clock.advance(1_000);
    await breaker.call(async () => 1);
    await expect(breaker.call(async () => 2)).resolves.toBe(2);
    expect(breaker.state).toBe('closed');
  });

  it('opens exactly once when a burst of in-flight calls fails together', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 3 });
    const events: StateChangeEvent[] = [];
    breaker.on('stateChange', (e) => events.push(e));
    const gates = Array.from({ length: 10 }, () => deferred<never>());
    const calls = gates.map((g) => breaker.call(() => g.promise).catch(() => 'failed'));
    for (const g of gates) g.reject(new Error('down'));
    await Promise.all(calls);
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual(['closed->open']);
    expect(breaker.status().failures).toBe(10);
  });

  it('does not let an outcome from before a transition decide the new state', async () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, recoveryTimeout: 1_000, successThreshold: 1 });
    const slow = deferred<string>();
    const late = breaker.call(() => slow.promise);
    expectThrow(() => breaker.call(boom));
    clock.advance(1_000);
    expect(breaker.state).toBe('half_open');
    slow.resolve('late');
    await expect(late).resolves.toBe('late');
    expect(breaker.state).toBe('half_open');
    expect(breaker.status().successes).toBe(1);
  });

  it('emits one stateChange per transition with from, to, reason and time in epoch ms', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, recoveryTimeout: 100, successThreshold: 1 });
    vi.spyOn(Date, 'now').mockImplementation(() => 1_000_000 + clock.now()); // the wall clock moves with the fake one
    const events: StateChangeEvent[] = [];
    breaker.on('stateChange', (e) => events.push(e));
    expectThrow(() => breaker.call(boom));
    clock.advance(100);
    breaker.call(() => 1);
    expect(events).toEqual([
      {
        name: 'test',
        from: 'closed',
        to: 'open',
        reason: 'failure_threshold',
        at: 1_000_000,
        detector: { failures: 1, successes: 0, calls: 1, failureRate: null },
      },
      { name: 'test', from: 'open', to: 'half_open', reason: 'recovery_timeout', at: 1_000_100 },
      { name: 'test', from: 'half_open', to: 'closed', reason: 'trial_succeeded', at: 1_000_100 },
    ]);
    vi.restoreAllMocks();
  });

  it('calls onStateChange given in the options', () => {
    const onStateChange = vi.fn();
    openBreaker({ failureThreshold: 1, onStateChange });
    expect(onStateChange).toHaveBeenCalledWith(expect.objectContaining({ from: 'closed', to: 'open' }));
  });
});

describe('CircuitBreaker manual states', () => {
  it('trip() rejects everything until reset()', () => {
    const { breaker, clock } = makeBreaker({ recoveryTimeout: 10 });
    breaker.trip();
    clock.advance(1_000_000);
    expect(breaker.state).toBe('forced_open');
    expect(expectThrow(() => breaker.call(() => 1))).toMatchObject({ state: 'forced_open', retryAfterMs: null });
    breaker.reset();
    expect(breaker.call(() => 1)).toBe(1);
  });

  it('forceOpen() is trip()', () => {
    const { breaker } = makeBreaker();
    breaker.forceOpen();
    expect(breaker.state).toBe('forced_open');
  });

  it('disable() lets every call through and only records', () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    breaker.disable();
    for (let i = 0; i < 5; i++) expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('disabled');
    expect(breaker.call(() => 'through')).toBe('through');
    expect(breaker.status()).toMatchObject({ failures: 5, successes: 1 });
  });

  it('reset() closes an open breaker and forgets counted failures', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    expectThrow(() => breaker.call(boom));
    breaker.reset();
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('closed');
  });

  it('emits stateChange for manual transitions, once each', () => {
    const { breaker } = makeBreaker();
    const reasons: string[] = [];
    breaker.on('stateChange', (e) => reasons.push(`${e.to}:${e.reason}`));
    breaker.trip();
    breaker.trip();
    breaker.disable();
    breaker.reset();
    breaker.reset();
    expect(reasons).toEqual(['forced_open:manual_trip', 'disabled:manual_disable', 'closed:manual_reset']);
  });
});

describe('CircuitBreaker failure classification', () => {
  class Transient extends Error {}
  class NotFound extends Error {}

  it('counts ignored errors as neither success nor failure and rethrows them unchanged', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2, ignoreErrors: [NotFound] });
    const notFound = new NotFound('nope');
    expectThrow(() => breaker.call(boom));
    expect(
      expectThrow(() =>
        breaker.call(() => {
          throw notFound;
        }),
      ),
    ).toBe(notFound);
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('open');
    expect(breaker.status()).toMatchObject({ failures: 2, successes: 0, ignored: 1 });
  });

  it('counts only recordErrors when given', () => {
    const { breaker } = makeBreaker({ failureThreshold: 1, recordErrors: [Transient] });
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('closed');
    expectThrow(() =>
      breaker.call(() => {
        throw new Transient();
      }),
    );
    expect(breaker.state).toBe('open');
  });

  it('lets ignoreErrors win over recordErrors', () => {
    class Both extends Transient {}
    const { breaker } = makeBreaker({ failureThreshold: 1, recordErrors: [Transient], ignoreErrors: [Both] });
    expectThrow(() =>
      breaker.call(() => {
        throw new Both();
      }),
    );
    expect(breaker.state).toBe('closed');
  });

  it('asks isFailure about each error', () => {
    const isFailure = vi.fn((e: unknown) => (e as Error).message !== 'fine');
    const { breaker } = makeBreaker({ failureThreshold: 1, isFailure });
    expectThrow(() =>
      breaker.call(() => {
        throw new Error('fine');
      }),
    );
    expect(breaker.state).toBe('closed');
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('open');
    expect(isFailure).toHaveBeenCalledTimes(2);
  });

  it('counts a result as failure through isResultFailure and still returns it', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 2, isResultFailure: (r) => (r as { status: number }).status >= 500 });
    const response = { status: 503 };
    expect(breaker.call(() => response)).toBe(response);
    await expect(breaker.call(async () => response)).resolves.toBe(response);
    expect(breaker.state).toBe('open');
  });

  it('records non-Error throwables and rethrows them unchanged', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 3 });
    const thrown = { reason: 'plain object' };
    expect(
      expectThrow(() =>
        breaker.call(() => {
          throw 'a string';
        }),
      ),
    ).toBe('a string');
    expect(
      expectThrow(() =>
        breaker.call(() => {
          throw thrown;
        }),
      ),
    ).toBe(thrown);
    await expect(breaker.call(() => Promise.reject(undefined))).rejects.toBeUndefined();
    expect(breaker.state).toBe('open');
  });

  it('frees the trial slot for an ignored error in half-open without deciding', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 10, ignoreErrors: [NotFound], successThreshold: 1 });
    clock.advance(10);
    expectThrow(() =>
      breaker.call(() => {
        throw new NotFound();
      }),
    );
    expect(breaker.state).toBe('half_open');
    breaker.call(() => 1);
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker sync and async shapes', () => {
  it('returns plain values for sync functions', () => {
    const { breaker } = makeBreaker();
    const result = breaker.call((a: number, b: number) => a + b, 2, 3);
    expect(result).toBe(5);
  });

  it('throws synchronously when rejecting a sync function', () => {
    const { breaker } = openBreaker({ failureThreshold: 1 });
    expect(() => breaker.call(() => 1)).toThrow(CircuitOpenError);
  });

  it('returns a rejected promise when rejecting an async function', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    await expect(breaker.call(rejectBoom)).rejects.toThrow('boom');
    const fn = async () => 1;
    const answer = breaker.call(fn);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('answers with a promise for a plain function that has returned a thenable before', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const fn = () => Promise.reject(new Error('down'));
    await expect(breaker.call(fn)).rejects.toThrow('down');
    const answer = breaker.call(fn);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it("forces the shape with kind: 'async' and kind: 'sync'", async () => {
    const asyncShape = openBreaker({ failureThreshold: 1, kind: 'async' }).breaker;
    await expect(asyncShape.call(() => 1)).rejects.toBeInstanceOf(CircuitOpenError);
    const syncShape = openBreaker({ failureThreshold: 1, kind: 'sync' }).breaker;
    expect(() => syncShape.call(async () => 1)).toThrow(CircuitOpenError);
  });

  it('creates CircuitOpenError without a stack trace unless asked', () => {
    const plain = openBreaker({ failureThreshold: 1 }).breaker;
    const error = expectThrow(() => plain.call(() => 1)) as Error;
    expect(error.stack?.split('\n')).toHaveLength(1);
    const traced = openBreaker({ failureThreshold: 1, captureStackTrace: true }).breaker;
    const tracedError = expectThrow(() => traced.call(() => 1)) as Error;
    expect(tracedError.stack?.split('\n').length).toBeGreaterThan(1);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });

  it('accepts thenables that are not promises', async () => {
    const { breaker } = makeBreaker();
    // biome-ignore lint/suspicious/noThenProperty: the point of the test is a hand-made thenable
    const thenable = { then: (resolve: (v: number) => void) => resolve(7) };
    await expect(breaker.call(() => thenable)).resolves.toBe(7);
  });
});

describe('CircuitBreaker fallback', () => {
  it('answers rejected calls with the fallback, given the error and the arguments', () => {
    const fallback = vi.fn((error: unknown, id: string) => `cached ${id} (${(error as Error).name})`);
    const { breaker } = openBreaker({ failureThreshold: 1, fallback });
    expect(breaker.call((id: string) => `live ${id}`, 'u1')).toBe('cached u1 (CircuitOpenError)');
    expect(breaker.status().fallbacks).toBe(1);
  });

  it('wraps the fallback answer in a promise for async functions', async () => {
    const { breaker } = openBreaker({ failureThreshold: 1, fallback: () => 'queued' });
    const answer = breaker.call(async () => 'charged');
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe('queued');
  });

  it("does not answer failed calls unless fallbackOn is 'any'", async () => {
    const rejectedOnly = makeBreaker({ fallback: () => 'fallback' }).breaker;
    await expect(rejectedOnly.call(rejectBoom)).rejects.toThrow('boom');
    const any = makeBreaker({ fallback: () => 'fallback', fallbackOn: 'any' }).breaker;
    await expect(any.call(rejectBoom)).resolves.toBe('fallback');
    expect(any.call(boom)).toBe('fallback');
    expect(any.status().failures).toBe(2);
  });

  it('never uses the fallback for ignored errors', () => {
    const { breaker } = makeBreaker({ fallback: () => 'fallback', fallbackOn: 'any', isFailure: () => false });
    expect(() => breaker.call(boom)).toThrow('boom');
  });

  it('surfaces a throwing fallback error with the original as cause', async () => {
    const fallbackError = new Error('fallback down');
    const { breaker } = openBreaker({
      failureThreshold: 1,
      fallback: () => {
        throw fallbackError;
      },
    });
    const surfaced = expectThrow(() => breaker.call(() => 1)) as Error;
    expect(surfaced).toBe(fallbackError);
    expect(surfaced.cause).toBeInstanceOf(CircuitOpenError);
    const asyncError = new Error('async fallback down');
    const asyncBreaker = openBreaker({ failureThreshold: 1, fallback: () => Promise.reject(asyncError) }).breaker;
    await expect(asyncBreaker.call(async () => 1)).rejects.toBe(asyncError);
    expect(asyncError.cause).toBeInstanceOf(CircuitOpenError);
  });

  it('keeps a cause the fallback error already has', () => {
    const own = new Error('own cause');
    const { breaker } = openBreaker({
      failureThreshold: 1,
      fallback: () => {
        throw new Error('fallback', { cause: own });
      },
    });
    expect((expectThrow(() => breaker.call(() => 1)) as Error).cause).toBe(own);
  });

  it('passes this through to the function and the fallback', () => {
    const { breaker } = openBreaker({
      failureThreshold: 1,
      fallback(this: { id: string }) {
        return this.id;
      },
    });
    const wrapped = breaker.wrap(function (this: { id: string }) {
      return `live ${this.id}`;
    });
    expect(wrapped.call({ id: 'svc' })).toBe('svc');
  });
});

describe('CircuitBreaker.status', () => {
  it('is JSON-ready with ISO timestamps', () => {
    const { breaker } = openBreaker({ failureThreshold: 2 });
    const status = breaker.status();
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
    expect(status.lastFailureAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(status.lastStateChangeAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(status).toMatchObject({ name: 'test', state: 'open', failures: 2, timeUntilRecoveryMs: 60_000 });
  });

  it('has null times before anything happened and no recovery time unless open', () => {
    const { breaker } = makeBreaker();
    expect(breaker.status()).toMatchObject({ lastFailureAt: null, lastStateChangeAt: null, timeUntilRecoveryMs: null });
  });

  it('reports the detector figures', () => {
    const { breaker } = makeBreaker();
    expectThrow(() => breaker.call(boom));
    expect(breaker.status().detector).toMatchObject({ failures: 1 });
  });
});

describe('CircuitBreaker construction', () => {
  it('needs a non-empty name', () => {
    expect(() => new CircuitBreaker('', { registry: false })).toThrow('Expected `name` to be a non-empty string, got `""` (string)');
  });
});
