import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { ConsecutiveFailuresDetector } from '../../src/detectors/consecutive.js';
import { Registry } from '../../src/registry.js';
import { circuitBreaker } from '../../src/wrap.js';

describe('CircuitBreaker detector option', () => {
  it('rejects an unknown detector name, listing the known ones', () => {
    // @ts-expect-error not a detector name
    expect(() => new CircuitBreaker('x', { registry: false, detector: 'sliding' })).toThrow(/'consecutive', 'timeWindow', 'countWindow'/);
  });

  it('rejects a window option the chosen detector would ignore', () => {
    expect(() => new CircuitBreaker('x', { registry: false, windowSize: 10 })).toThrow(
      /`windowSize` does not apply to detector 'consecutive'/,
    );
    expect(() => new CircuitBreaker('x', { registry: false, detector: 'timeWindow', minimumCalls: 3 })).toThrow(/minimumCalls/);
    expect(
      () => new CircuitBreaker('x', { registry: false, detector: new ConsecutiveFailuresDetector({ failureThreshold: 1 }), timeWindow: 5 }),
    ).toThrow(/a detector instance or factory/);
  });

  it('validates window options with the option name and value', () => {
    expect(() => new CircuitBreaker('x', { registry: false, detector: 'countWindow', failureRateThreshold: 2 })).toThrow(
      'Expected `failureRateThreshold` to be a rate between 0 (exclusive) and 1 (inclusive), got `2` (number)',
    );
    expect(() => new CircuitBreaker('x', { registry: false, detector: 'rateWindow', windowBuckets: 0 })).toThrow(/`windowBuckets`/);
    expect(() => new CircuitBreaker('x', { registry: false, detector: 'rateWindow', windowBuckets: 5000 })).toThrow(RangeError);
  });

  it('rejects a factory that returns something else than a detector', () => {
    // @ts-expect-error the factory must return a FailureDetector
    expect(() => new CircuitBreaker('x', { registry: false, detector: () => ({}) })).toThrow(/factory/);
  });

  it('shows the figures of a rate detector in status()', () => {
    const breaker = new CircuitBreaker('s', { registry: false, detector: 'countWindow', windowSize: 10, slowCallDuration: 1000 });
    breaker.call(() => 1);
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(breaker.status().detector).toEqual({ failures: 1, successes: 1, calls: 2, failureRate: 0.5, slowCalls: 0, slowCallRate: 0 });
  });

  it('gives each wrapped function its own detector from a factory', () => {
    const factory = () => new ConsecutiveFailuresDetector({ failureThreshold: 1 });
    const a = circuitBreaker(
      () => {
        throw new Error('a');
      },
      { detector: factory },
    );
    const b = circuitBreaker(() => 'b', { detector: factory });
    expect(() => a()).toThrow('a');
    expect(a.breaker.state).toBe('open');
    expect(b.breaker.state).toBe('closed');
  });
});

describe('Registry status with detectors', () => {
  it("shows each breaker's failure rate, calls in window and slow-call rate", () => {
    const registry = new Registry();
    let now = 0;
    const clock = { now: () => now };
    const breaker = registry.getOrCreate('inventory', { clock, detector: 'rateWindow', slowCallDuration: 50, minimumCalls: 5 });
    breaker.call(() => {
      now += 80;
      return 'slow';
    });
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(registry.status().inventory?.detector).toEqual({
      failures: 1,
      successes: 1,
      calls: 2,
      failureRate: 0.5,
      slowCalls: 1,
      slowCallRate: 0.5,
    });
  });
});
