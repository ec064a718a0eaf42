import { describe, expect, it, vi } from 'vitest';
import { boom, expectThrow, makeBreaker, openBreaker } from './helpers.js';

describe('CircuitBreaker.tryAcquirePermission', () => {
  it('hands out a permit while closed and counts its outcomes like calls', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    breaker.tryAcquirePermission()?.onSuccess();
    breaker.tryAcquirePermission()?.onError(new Error('x'));
    expect(breaker.state).toBe('closed');
    breaker.tryAcquirePermission()?.onError(new Error('y'));
    expect(breaker.state).toBe('open');
    expect(breaker.status()).toMatchObject({ successes: 1, failures: 2 });
  });

  it('answers undefined while open, counts it as rejected and emits rejected', () => {
    const { breaker } = openBreaker({ failureThreshold: 1 });
    const rejected = vi.fn();
    breaker.on('rejected', rejected);
    expect(breaker.tryAcquirePermission()).toBeUndefined();
    expect(breaker.status().rejected).toBe(1);
    expect(rejected).toHaveBeenCalledWith(expect.objectContaining({ state: 'open' }));
  });

  it('takes a half-open trial slot, and release() frees it without deciding', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 100, successThreshold: 1 });
    clock.advance(100);
    const permit = breaker.tryAcquirePermission();
    expect(permit).toBeDefined();
    expect(breaker.tryAcquirePermission()).toBeUndefined(); // halfOpenMaxCalls 1
    permit?.release();
    expect(breaker.state).toBe('half_open');
    breaker.tryAcquirePermission()?.onSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('drops the outcome of a permit acquired before a transition, and a second report of the same permit', () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const early = breaker.tryAcquirePermission();
    const twice = breaker.tryAcquirePermission();
    breaker.reset();
    early?.onError(new Error('late'));
    expect(breaker.state).toBe('closed');
    const fresh = breaker.tryAcquirePermission();
    fresh?.onSuccess();
    fresh?.onError(new Error('again'));
    expect(breaker.state).toBe('closed');
    expect(breaker.status().failures).toBe(1); // the late one is counted in the figures, decides nothing
    twice?.release();
  });

  it('classifies errors like calls: an ignored error is neither success nor failure', () => {
    class NotFound extends Error {}
    const { breaker } = makeBreaker({ failureThreshold: 1, ignoreErrors: [NotFound] });
    breaker.tryAcquirePermission()?.onError(new NotFound());
    expect(breaker.state).toBe('closed');
    expect(breaker.status().ignored).toBe(1);
  });

  it('measures the duration since acquisition for detectors that need it, and refuses a bad one', () => {
    const { breaker, clock } = makeBreaker({ detector: 'slowCalls', slowCallDuration: 50, windowSize: 2, minimumCalls: 2 });
    for (let i = 0; i < 2; i++) {
      const permit = breaker.tryAcquirePermission();
      clock.advance(60);
      permit?.onSuccess();
    }
    expect(breaker.state).toBe('open');
    const other = makeBreaker().breaker.tryAcquirePermission();
    expect(() => other?.onSuccess(-1)).toThrow(TypeError);
    expectThrow(() => makeBreaker({ failureThreshold: 1 }).breaker.call(boom));
  });

  it('reports once: after release(), an outcome of the same permit neither counts nor frees a second trial slot', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 100, halfOpenMaxCalls: 2, successThreshold: 1 });
    clock.advance(100);
    const released = breaker.tryAcquirePermission();
    const held = breaker.tryAcquirePermission();
    expect(breaker.tryAcquirePermission()).toBeUndefined(); // both trial slots taken
    released?.release();
    released?.onError(new Error('late'));
    released?.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.status()).toMatchObject({ failures: 1, halfOpenInFlight: 1 }); // the one that opened it
    held?.onSuccess();
    expect(breaker.state).toBe('closed');
  });
});
