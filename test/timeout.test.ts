import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/breaker.js';
import { CallTimeoutError, isCallTimeoutError } from '../src/errors.js';
import { circuitBreaker } from '../src/wrap.js';

describe('CircuitBreaker timeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects a call that runs past timeout with a CallTimeoutError counted as a failure', async () => {
    const breaker = new CircuitBreaker('t', { registry: false, timeout: 100, failureThreshold: 1 });
    const failures: unknown[] = [];
    breaker.on('failure', (e) => failures.push(e.error));
    const call = breaker.call(() => new Promise((r) => setTimeout(r, 1000, 'late')));
    const settled = expect(call).rejects.toBeInstanceOf(CallTimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    await expect(call).rejects.toMatchObject({ breakerName: 't', timeoutMs: 100, code: 'ERR_CIRCUIT_CALL_TIMEOUT' });
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1000); // the late settlement is not recorded again
    expect(failures).toHaveLength(1);
    expect(breaker.status()).toMatchObject({ failures: 1, successes: 0 });
  });

  it('passes a call that settles in time and clears its timer', async () => {
    const breaker = new CircuitBreaker('t', { registry: false, timeout: 100 });
    const call = breaker.call(() => new Promise((r) => setTimeout(r, 50, 'fast')));
    await vi.advanceTimersByTimeAsync(50);
    await expect(call).resolves.toBe('fast');
    expect(vi.getTimerCount()).toBe(0);
    expect(breaker.status()).toMatchObject({ successes: 1, failures: 0 });
  });

  it('does not record a rejection that arrives after the timeout', async () => {
    const breaker = new CircuitBreaker('t', { registry: false, timeout: 10, failureThreshold: 2 });
    const call = breaker.call(() => new Promise((_, reject) => setTimeout(reject, 50, new Error('late'))));
    const settled = expect(call).rejects.toSatisfy(isCallTimeoutError);
    await vi.advanceTimersByTimeAsync(60);
    await settled;
    expect(breaker.status().failures).toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('aborts the signal handed to callWithSignal, with the timeout error as reason', async () => {
    const breaker = new CircuitBreaker('t', { registry: false, timeout: 100 });
    let seen: AbortSignal | undefined;
    const call = breaker.callWithSignal(
      (signal) =>
        new Promise((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    const settled = expect(call).rejects.toBeInstanceOf(CallTimeoutError);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(CallTimeoutError);
    expect(breaker.status().failures).toBe(1);
  });

  it('hands out a signal that never aborts without a timeout, and answers a sync function with a promise', async () => {
    const breaker = new CircuitBreaker('t', { registry: false });
    const answer = breaker.callWithSignal((signal) => signal.aborted);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cannot interrupt a sync function: its result stands', () => {
    const breaker = new CircuitBreaker('t', { registry: false, timeout: 1 });
    const slowSync = () => {
      vi.advanceTimersByTime(50);
      return 'done';
    };
    expect(breaker.call(slowSync)).toBe('done');
    expect(vi.getTimerCount()).toBe(0);
    expect(breaker.status().successes).toBe(1);
  });

  it('lets ignoreErrors exclude timeouts like any error, and lets the fallback answer them', async () => {
    const ignoring = new CircuitBreaker('t', { registry: false, timeout: 10, ignoreErrors: [CallTimeoutError] });
    const a = ignoring.call(() => new Promise(() => {}));
    const aSettled = expect(a).rejects.toBeInstanceOf(CallTimeoutError);
    await vi.advanceTimersByTimeAsync(10);
    await aSettled;
    expect(ignoring.status()).toMatchObject({ failures: 0, ignored: 1 });

    const fetchUser = circuitBreaker((_id: string) => new Promise<string>(() => {}), {
      timeout: 10,
      fallback: () => 'cached',
      fallbackOn: 'any',
    });
    const b = fetchUser('1');
    await vi.advanceTimersByTimeAsync(10);
    await expect(b).resolves.toBe('cached');
  });

  it('validates timeout', () => {
    expect(() => new CircuitBreaker('t', { registry: false, timeout: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker('t', { registry: false, halfOpenMaxWait: -1 })).toThrow(/halfOpenMaxWait/);
  });
});
