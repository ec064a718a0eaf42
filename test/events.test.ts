import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FailureEvent, RejectedEvent } from '../src/index.js';
import { boom, expectThrow, makeBreaker, openBreaker } from './helpers.js';

describe('CircuitBreaker events', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('emits success and failure with durations measured on the clock', async () => {
    const { breaker, clock } = makeBreaker();
    const seen: string[] = [];
    breaker.on('success', (e) => seen.push(`success ${e.durationMs}`));
    breaker.on('failure', (e) => seen.push(`failure ${e.durationMs} ${(e.error as Error).message}`));
    await breaker.call(async () => {
      clock.advance(25);
    });
    expectThrow(() =>
      breaker.call(() => {
        clock.advance(5);
        throw new Error('down');
      }),
    );
    expect(seen).toEqual(['success 25', 'failure 5 down']);
  });

  it('emits failure with the result for a failed result', () => {
    const { breaker } = makeBreaker({ isResultFailure: () => true });
    const events: FailureEvent[] = [];
    breaker.on('failure', (e) => events.push(e));
    breaker.call(() => 503);
    expect(events[0]).toMatchObject({ error: undefined, result: 503 });
  });

  it('emits rejected and fallback', () => {
    const { breaker } = openBreaker({ failureThreshold: 1, fallback: () => 'f' });
    const rejected: RejectedEvent[] = [];
    const fallback = vi.fn();
    breaker.on('rejected', (e) => rejected.push(e));
    breaker.on('fallback', fallback);
    breaker.call(() => 1);
    expect(rejected[0]).toMatchObject({ name: 'test', state: 'open' });
    expect(fallback).toHaveBeenCalledWith({ name: 'test', error: rejected[0]?.error });
  });

  it('emits ignored for errors that do not count', () => {
    const { breaker } = makeBreaker({ isFailure: () => false });
    const ignored = vi.fn();
    breaker.on('ignored', ignored);
    expectThrow(() => breaker.call(boom));
    expect(ignored).toHaveBeenCalledTimes(1);
  });

  it('stops calling a listener after unsubscribe, and a second unsubscribe is harmless', () => {
    const { breaker } = makeBreaker();
    const listener = vi.fn();
    const off = breaker.on('success', listener);
    breaker.call(() => 1);
    off();
    off();
    breaker.call(() => 1);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps the call outcome when a listener throws and reports the error to listenerError', () => {
    const { breaker } = makeBreaker();
    const listenerError = vi.fn();
    breaker.on('listenerError', listenerError);
    const thrown = new Error('listener bug');
    breaker.on('success', () => {
      throw thrown;
    });
    const after = vi.fn();
    breaker.on('success', after);
    expect(breaker.call(() => 'value')).toBe('value');
    expect(after).toHaveBeenCalledTimes(1);
    expect(listenerError).toHaveBeenCalledWith({ name: 'test', event: 'success', error: thrown });
  });

  it('prints a listener error once per hook, with a count, when nobody listens to listenerError', () => {
    const microtasks = vi.spyOn(globalThis, 'queueMicrotask');
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { breaker } = makeBreaker({ failureThreshold: 1, recoveryTimeout: 10 });
    breaker.on('stateChange', () => {
      throw new Error('listener bug');
    });
    expect(() => breaker.call(boom)).toThrow('boom');
    expect(breaker.state).toBe('open');
    for (let i = 0; i < 9; i++) {
      breaker.reset();
      expect(() => breaker.call(boom)).toThrow('boom');
    }
    expect(microtasks).not.toHaveBeenCalled();
    // 19 stateChange errors: printed at the 1st and the 10th.
    expect(printed).toHaveBeenCalledTimes(2);
    expect(printed.mock.calls[0]?.[0]).toContain('stateChange threw (1 time so far');
    expect(printed.mock.calls[0]?.[1]).toHaveProperty('message', 'listener bug');
    expect(printed.mock.calls[1]?.[0]).toContain('(10 times so far');
  });

  it('reports a throwing isFailure predicate and counts the error as a failure', () => {
    const { breaker } = makeBreaker({
      failureThreshold: 1,
      isFailure: () => {
        throw new Error('predicate bug');
      },
    });
    const listenerError = vi.fn();
    breaker.on('listenerError', listenerError);
    expect(() => breaker.call(boom)).toThrow('boom');
    expect(breaker.state).toBe('open');
    expect(listenerError).toHaveBeenCalledWith(expect.objectContaining({ event: 'isFailure' }));
  });

  it('does not read the clock around calls when nobody needs durations', () => {
    const { breaker, clock } = makeBreaker();
    const now = vi.spyOn(clock, 'now');
    breaker.call(() => 1);
    expect(now).not.toHaveBeenCalled();
    const off = breaker.on('success', () => {});
    breaker.call(() => 1);
    expect(now).toHaveBeenCalledTimes(2);
    off();
    breaker.call(() => 1);
    expect(now).toHaveBeenCalledTimes(2);
  });
});
