import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, MemoryStateStore, type StateChangeEvent } from '../../src/index.js';
import type { SharedCountingOptions } from '../../src/storage/shared-counting.js';

const fail = () => {
  throw new Error('down');
};
const ok = () => 'ok';

/** `count` breakers of one name on a MemoryStateStore with shared counting: one per simulated process. */
function fleet(count: number, sharedCounting: boolean | SharedCountingOptions, options: CircuitBreakerOptions = {}) {
  const store = new MemoryStateStore({ sharedCounting });
  const events: StateChangeEvent[] = [];
  const breakers = Array.from({ length: count }, () => {
    const breaker = new CircuitBreaker('payments', {
      store,
      registry: false,
      // Locally each would need 5 failures in a row.
      failureThreshold: 5,
      recoveryTimeout: 30_000,
      ...options,
    });
    breaker.on('stateChange', (e) => events.push(e));
    return breaker;
  });
  return { store, breakers, events };
}

function failOn(breaker: CircuitBreaker, times = 1): void {
  for (let i = 0; i < times; i++) expect(() => breaker.call(fail)).toThrow('down');
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryStateStore with sharedCounting', () => {
  it('opens every breaker when 8 of them each see one eighth of the failures, within one flush interval', async () => {
    const { breakers, events } = fleet(8, { failureThreshold: 8, flushInterval: 200 });
    // Traffic is flowing: every breaker has sent outcomes within the last flush interval.
    for (const breaker of breakers) breaker.call(ok);
    await vi.advanceTimersByTimeAsync(200);
    for (const breaker of breakers) failOn(breaker);
    expect(breakers.every((b) => b.state === 'closed')).toBe(true);
    await vi.advanceTimersByTimeAsync(199);
    expect(breakers.every((b) => b.state === 'closed')).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(breakers.map((b) => b.state)).toEqual(Array(8).fill('open'));
    expect(events.map((e) => e.reason)).toEqual(Array(8).fill('remote'));
    expect(breakers[0]?.status().timeUntilRecoveryMs).toBe(30_000);
  });

  it('sends the first failure after a quiet spell at once', async () => {
    const { breakers } = fleet(8, { failureThreshold: 8, flushInterval: 200 });
    for (const breaker of breakers) failOn(breaker);
    await vi.advanceTimersByTimeAsync(0);
    expect(breakers.map((b) => b.state)).toEqual(Array(8).fill('open'));
  });

  it('opens a fleet in which every breaker alone stays under its threshold', async () => {
    const { breakers } = fleet(4, { failureThreshold: 5 }, { failureThreshold: 5 });
    // Each sees 3 failures out of 5 calls: never 5 in a row, never 5 alone.
    for (const breaker of breakers) {
      failOn(breaker, 2);
      breaker.call(ok);
      failOn(breaker);
      breaker.call(ok);
    }
    expect(breakers.every((b) => b.state === 'closed')).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    expect(breakers.every((b) => b.state === 'open')).toBe(true);
  });

  it('does not open that fleet without shared counting', async () => {
    const { breakers } = fleet(4, false, { failureThreshold: 5 });
    for (const breaker of breakers) {
      failOn(breaker, 2);
      breaker.call(ok);
      failOn(breaker);
      breaker.call(ok);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(breakers.every((b) => b.state === 'closed')).toBe(true);
  });

  it('opens on the fleet failure rate once minimumCalls are counted', async () => {
    const { breakers } = fleet(2, { failureThreshold: 1000, failureRate: 0.5, minimumCalls: 20 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    // 19 calls, 10 failures: over the rate, under minimumCalls.
    for (let i = 0; i < 9; i++) {
      failOn(i % 2 === 0 ? a : b);
      (i % 2 === 0 ? b : a).call(ok);
    }
    failOn(a);
    await vi.advanceTimersByTimeAsync(250);
    expect(a.state).toBe('closed');
    // 22 calls, 10 failures: under the rate.
    for (const breaker of [a, b, a]) breaker.call(ok);
    await vi.advanceTimersByTimeAsync(250);
    expect(a.state).toBe('closed');
    // 24 calls, 12 failures: 50 %.
    failOn(b, 2);
    await vi.advanceTimersByTimeAsync(250);
    expect([a.state, b.state]).toEqual(['open', 'open']);
  });

  it('forgets failures that left the window', async () => {
    const { breakers } = fleet(2, { failureThreshold: 4, window: 1000, flushInterval: 100 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a, 2);
    await vi.advanceTimersByTimeAsync(1100);
    failOn(b, 2);
    await vi.advanceTimersByTimeAsync(100);
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
    failOn(b);
    failOn(a);
    await vi.advanceTimersByTimeAsync(100);
    expect([a.state, b.state]).toEqual(['open', 'open']);
  });

  it('starts counting afresh after the circuit opens and closes', async () => {
    const { breakers } = fleet(2, { failureThreshold: 3 }, { recoveryTimeout: 1000, successThreshold: 1 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a, 2);
    failOn(b);
    await vi.advanceTimersByTimeAsync(250);
    expect(a.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1000);
    a.call(ok);
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
    failOn(b, 2);
    await vi.advanceTimersByTimeAsync(250);
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
  });

  it('still lets a breaker that sees its own threshold open at once', () => {
    const { breakers } = fleet(2, { failureThreshold: 100 }, { failureThreshold: 2 });
    failOn(breakers[0] as CircuitBreaker, 2);
    expect(breakers.map((b) => b.state)).toEqual(['open', 'open']);
  });

  it('runs no timer while its breakers are idle, and none after a detach', async () => {
    const { breakers } = fleet(2, true);
    expect(vi.getTimerCount()).toBe(0);
    breakers[0]?.call(ok);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(vi.getTimerCount()).toBe(0);
    breakers[1]?.call(ok);
    for (const breaker of breakers) breaker.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [
      { flushInterval: 0 },
      RangeError,
      'Expected `sharedCounting.flushInterval` to be a finite number of milliseconds > 0, got `0` (number)',
    ],
    [
      { flushInterval: 2 ** 31 },
      RangeError,
      '`sharedCounting.flushInterval` to be a finite number of milliseconds > 0, got `2147483648` (number); at most 2147483647 ms',
    ],
    [{ flushInterval: 'fast' }, TypeError, '`sharedCounting.flushInterval` to be a finite number'],
    [
      { window: 1000, flushInterval: 2000 },
      RangeError,
      '`sharedCounting.flushInterval` to be at most `sharedCounting.window` (1000 ms), got `2000`',
    ],
    [{ window: 5 }, RangeError, '`sharedCounting.window` to be at least 10 milliseconds'],
    [{ failureThreshold: 0 }, RangeError, '`sharedCounting.failureThreshold` to be a positive integer'],
    [{ failureRate: 1.5 }, RangeError, '`sharedCounting.failureRate` to be a rate between 0 (exclusive) and 1 (inclusive), got `1.5`'],
    [{ minimumCalls: 0.5 }, RangeError, '`sharedCounting.minimumCalls` to be a positive integer'],
    [{ flushInterva: 100 }, TypeError, 'Unknown sharedCounting option `flushInterva` (did you mean `flushInterval`?)'],
    ['yes', TypeError, 'Expected `sharedCounting` to be true, false or an object'],
  ])('refuses sharedCounting %j', (sharedCounting, Kind, message) => {
    expect(() => new MemoryStateStore({ sharedCounting: sharedCounting as SharedCountingOptions })).toThrow(Kind);
    expect(() => new MemoryStateStore({ sharedCounting: sharedCounting as SharedCountingOptions })).toThrow(message);
  });
});

describe('the breaker side of shared counting', () => {
  it('never lets a store whose counted hook throws change a call, and reports it as store.counted', () => {
    const store = {
      attach: () => ({
        transitioned: () => {},
        requestProbe: () => {},
        counted: () => {
          throw new Error('counting broke');
        },
        detach: () => {},
      }),
    };
    const breaker = new CircuitBreaker('payments', { store, registry: false, failureThreshold: 2 });
    const reported: string[] = [];
    breaker.on('listenerError', (e) => reported.push(e.event));
    expect(breaker.call(ok)).toBe('ok');
    failOn(breaker, 2);
    expect(breaker.state).toBe('open');
    expect(reported).toEqual(['store.counted', 'store.counted', 'store.counted']);
  });

  it("opens a fleet trip for the breaker's first backoff step, a throwing backoff falling back to recoveryTimeout", () => {
    let openMs: (() => number) | undefined;
    const store = {
      attach: (port: { openMs?(): number }) => {
        openMs = () => port.openMs?.() ?? Number.NaN;
        return { transitioned: () => {}, requestProbe: () => {}, detach: () => {} };
      },
    };
    const steps = new CircuitBreaker('a', { store, registry: false, recoveryTimeout: { delay: (attempt) => attempt * 7_000 } });
    expect(openMs?.()).toBe(7_000);
    let calls = 0;
    const broken = new CircuitBreaker('b', {
      store,
      registry: false,
      recoveryTimeout: {
        // Answers once (the options read their first step), then breaks.
        delay: () => {
          if (calls++ > 0) throw new Error('backoff broke');
          return 9_000;
        },
      },
    });
    const reported: string[] = [];
    broken.on('listenerError', (e) => reported.push(e.event));
    expect(openMs?.()).toBe(9_000);
    expect(reported).toEqual(['backoff']);
    void steps;
  });
});
