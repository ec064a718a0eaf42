import { describe, expect, it } from 'vitest';
import { constantBackoff, exponentialBackoff, stepMs, withJitter } from '../src/backoff.js';
import { CircuitBreaker } from '../src/breaker.js';
import { MAX_DURATION_MS } from '../src/validate.js';
import { fakeClock } from './helpers.js';

describe('exponentialBackoff', () => {
  it('multiplies the delay per attempt up to maxDelay', () => {
    const b = exponentialBackoff({ initialDelay: 1000, maxDelay: 5000 });
    expect([1, 2, 3, 4, 5].map((a) => b.delay(a))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(exponentialBackoff({ initialDelay: 100, multiplier: 3 }).delay(3)).toBe(900);
  });

  it('validates its options', () => {
    expect(() => exponentialBackoff({ initialDelay: 1000, maxDelay: 10 })).toThrow(RangeError);
    expect(() => exponentialBackoff({ initialDelay: 10, multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => constantBackoff(-1)).toThrow(RangeError);
  });
});

describe('withJitter', () => {
  it('takes up to ratio off each step using the injected random', () => {
    const values = [0, 0.5, 0.999];
    const b = withJitter(constantBackoff(1000), { ratio: 0.2, random: () => values.shift() ?? 0 });
    expect(b.delay(1)).toBe(1000);
    expect(b.delay(1)).toBe(900);
    expect(b.delay(1)).toBeCloseTo(800.2);
    expect(() => withJitter(constantBackoff(1), { ratio: 2 })).toThrow(RangeError);
  });
});

describe('CircuitBreaker recoveryTimeout backoff', () => {
  const fail = () => {
    throw new Error('down');
  };

  it('grows the open period with each failed trial and starts again after closing', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('b', {
      registry: false,
      clock,
      failureThreshold: 1,
      successThreshold: 1,
      recoveryTimeout: exponentialBackoff({ initialDelay: 100, maxDelay: 300 }),
    });
    expect(breaker.status().recoveryTimeoutMs).toBe(100);
    expect(() => breaker.call(fail)).toThrow('down');
    expect(breaker.status()).toMatchObject({ state: 'open', recoveryTimeoutMs: 100, timeUntilRecoveryMs: 100 });

    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(breaker.status().recoveryTimeoutMs);
      expect(breaker.state).toBe('half_open');
      expect(() => breaker.call(fail)).toThrow('down'); // the trial fails: reopen with the next step
      steps.push(breaker.status().recoveryTimeoutMs);
    }
    expect(steps).toEqual([200, 300, 300]);
    clock.advance(299);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.call(() => 'ok')).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(breaker.status().recoveryTimeoutMs).toBe(100);
    expect(() => breaker.call(fail)).toThrow('down');
    expect(breaker.status().timeUntilRecoveryMs).toBe(100);
  });

  it('rejects a recoveryTimeout that is neither a number nor a backoff', () => {
    // @ts-expect-error not a backoff
    expect(() => new CircuitBreaker('b', { registry: false, recoveryTimeout: '1s' })).toThrow(/recoveryTimeout/);
    // @ts-expect-error not a backoff
    expect(() => new CircuitBreaker('b', { registry: false, recoveryTimeout: {} })).toThrow(/delay\(attempt\)/);
  });
});

describe('stepMs (a custom backoff made safe)', () => {
  const fail = () => {
    throw new Error('down');
  };

  it.each([
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['NaN', Number.NaN],
    ['30 days', 30 * 86_400_000],
    ['a string', '5000'],
  ])('clamps a step of %s to the largest allowed delay, never 0', (_label, step) => {
    expect(stepMs({ delay: () => step as number }, 1)).toBe(MAX_DURATION_MS);
    const clock = fakeClock();
    const breaker = new CircuitBreaker('b', {
      registry: false,
      clock,
      failureThreshold: 1,
      recoveryTimeout: { delay: () => step as number },
    });
    expect(() => breaker.call(fail)).toThrow('down');
    expect(breaker.status()).toMatchObject({ state: 'open', recoveryTimeoutMs: MAX_DURATION_MS });
    clock.advance(1);
    expect(breaker.state).toBe('open');
  });

  it('keeps a step within the bounds and turns a negative one into 0', () => {
    expect(stepMs({ delay: () => 1_500 }, 1)).toBe(1_500);
    expect(stepMs({ delay: () => MAX_DURATION_MS }, 1)).toBe(MAX_DURATION_MS);
    expect(stepMs({ delay: () => -5 }, 1)).toBe(0);
  });

  it('caps exponential growth at the bound however many trials fail', () => {
    const b = exponentialBackoff({ initialDelay: 1_000, maxDelay: MAX_DURATION_MS, multiplier: 10 });
    expect(stepMs(b, 5_000)).toBe(MAX_DURATION_MS);
  });
});
