import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  constantBackoff,
  exponentialBackoff,
  RateWindowDetector,
  Registry,
  TimeWindowDetector,
} from '../src/index.js';
import { MAX_COUNT, MAX_DURATION_MS } from '../src/validate.js';
import { fakeClock } from './helpers.js';

const make = (options: Record<string, unknown>) => () =>
  new CircuitBreaker('bounds', { registry: false, clock: fakeClock(), ...(options as CircuitBreakerOptions) });

function refusal(build: () => unknown): Error {
  try {
    build();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

const thirtyDays = 30 * 86_400_000;

describe('option bounds', () => {
  it('caps every duration at 2^31 - 1 ms, the longest a timer can wait', () => {
    expect(MAX_DURATION_MS).toBe(2 ** 31 - 1);
    for (const [option, extra] of [
      ['timeout', {}],
      ['halfOpenMaxWait', {}],
      ['recoveryTimeout', {}],
      ['timeWindow', { detector: 'timeWindow' }],
      ['timeWindow', { detector: 'rateWindow' }],
      ['slowCallDuration', { detector: 'slowCalls' }],
    ] as const) {
      const error = refusal(make({ ...extra, [option]: thirtyDays }));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain(`\`${option}\``);
      expect(error.message).toContain(String(thirtyDays));
      expect(error.message).toContain('2147483647');
    }
    expect(make({ timeout: MAX_DURATION_MS, recoveryTimeout: MAX_DURATION_MS, halfOpenMaxWait: MAX_DURATION_MS })).not.toThrow();
  });

  it('caps the durations of the backoffs too', () => {
    expect(() => constantBackoff(thirtyDays)).toThrow(RangeError);
    expect(() => exponentialBackoff({ initialDelay: 1_000, maxDelay: thirtyDays })).toThrow(/`maxDelay`.*2147483647/);
    // The default maxDelay (10 x initialDelay) stays within the bound.
    expect(exponentialBackoff({ initialDelay: 1_000_000_000 }).delay(10)).toBe(MAX_DURATION_MS);
  });

  it('bounds counts and window sizes instead of allocating whatever is asked', () => {
    for (const [option, extra] of [
      ['failureThreshold', {}],
      ['failureThreshold', { detector: 'timeWindow' }],
      ['successThreshold', {}],
      ['halfOpenMaxCalls', {}],
      ['windowSize', { detector: 'countWindow' }],
      ['minimumCalls', { detector: 'rateWindow' }],
    ] as const) {
      for (const value of [5e8, 2 ** 53 - 1]) {
        const error = refusal(make({ ...extra, [option]: value }));
        expect(error).toBeInstanceOf(RangeError);
        expect(error.message).toContain(`\`${option}\``);
        expect(error.message).toContain(String(value));
        expect(error.message).toContain(String(MAX_COUNT));
      }
    }
    expect(make({ detector: 'countWindow', windowSize: MAX_COUNT, minimumCalls: MAX_COUNT })).not.toThrow();
    expect(() => new TimeWindowDetector({ failureThreshold: 2 ** 53 - 1 })).toThrow(RangeError);
  });

  it('refuses time buckets narrower than 1 ms (timeWindow / windowBuckets)', () => {
    const error = refusal(make({ detector: 'rateWindow', timeWindow: 0.001 }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/`timeWindow`.*>= 1, got `0\.001`/);
    expect(make({ detector: 'rateWindow', timeWindow: 5, windowBuckets: 10 })).toThrow(
      /`timeWindow` to be at least 1 ms a bucket \(10 ms for `windowBuckets` 10\), got `5`/,
    );
    expect(make({ detector: 'slowCalls', slowCallDuration: 10, timeWindow: 9 })).toThrow(RangeError);
    expect(() => new RateWindowDetector({ timeWindow: 10, buckets: 11 })).toThrow(RangeError);
    expect(make({ detector: 'rateWindow', timeWindow: 10, windowBuckets: 10 })).not.toThrow();
    expect(make({ detector: 'timeWindow', timeWindow: 0.5 })).toThrow(/`timeWindow` to be a finite number of milliseconds >= 1, got `0.5`/);
  });

  it('rates an epoch clock with 1 ms buckets', () => {
    const clock = fakeClock(1_764_547_200_000);
    const breaker = new CircuitBreaker('epoch', { registry: false, clock, detector: 'rateWindow', timeWindow: 10, minimumCalls: 3 });
    breaker.call(() => 1);
    clock.advance(5);
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(breaker.status().detector).toMatchObject({ calls: 2 });
    clock.advance(20);
    expect(breaker.status().detector).toMatchObject({ calls: 0 });
  });
});

describe('Registry.register', () => {
  it('refuses what is not a circuit breaker', () => {
    const registry = new Registry();
    for (const value of [{}, null, { name: 'x' }, 'x']) {
      const error = refusal(() => registry.register(value as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('`breaker`');
    }
    expect(registry.size).toBe(0);
  });
});

describe('adapters share the bounds', () => {
  it('refuses a 30-day fetch timeout and Redis store durations past 2^31 - 1 ms', async () => {
    const { createFetch } = await import('../src/integrations/fetch.js');
    const { resolveStoreOptions } = await import('../src/redis/options.js');
    expect(() => createFetch({ timeout: thirtyDays })).toThrow(RangeError);
    expect(() => createFetch({ timeout: thirtyDays })).toThrow(/`timeout`.*2147483647/);
    for (const option of ['commandTimeout', 'reconcileInterval', 'leaseTtl']) {
      expect(() => resolveStoreOptions({ client: {} as never, [option]: thirtyDays })).toThrow(new RegExp(`\`${option}\`.*2147483647`));
    }
  });
});
