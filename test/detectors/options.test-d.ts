import { describe, expectTypeOf, it } from 'vitest';
import { exponentialBackoff } from '../../src/backoff.js';
import { CircuitBreaker } from '../../src/breaker.js';
import type { ConsecutiveFailuresDetector } from '../../src/detectors/consecutive.js';
import type { DetectorContext } from '../../src/detectors/create.js';
import type { CircuitBreakerOptions } from '../../src/options.js';

describe('CircuitBreakerOptions', () => {
  it('accepts a detector name, instance or factory, and a backoff as recoveryTimeout', () => {
    expectTypeOf<{ detector: 'rateWindow' }>().toExtend<CircuitBreakerOptions>();
    expectTypeOf<{ detector: ConsecutiveFailuresDetector }>().toExtend<CircuitBreakerOptions>();
    expectTypeOf<{ detector: (context: DetectorContext) => ConsecutiveFailuresDetector }>().toExtend<CircuitBreakerOptions>();
    expectTypeOf<{ detector: 'sliding' }>().not.toExtend<CircuitBreakerOptions>();
    expectTypeOf({ recoveryTimeout: exponentialBackoff({ initialDelay: 1 }) }).toExtend<CircuitBreakerOptions>();
  });
});

describe('CircuitBreaker.callWithSignal', () => {
  it('hands fn an AbortSignal and always answers with a promise', () => {
    const breaker = new CircuitBreaker('t', { registry: false });
    expectTypeOf(breaker.callWithSignal(async (signal) => signal.aborted)).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(breaker.callWithSignal((signal) => signal.reason as string)).toEqualTypeOf<Promise<string>>();
  });
});
