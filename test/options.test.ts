import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, circuitBreaker } from '../src/index.js';

const make = (options: Record<string, unknown>) => () =>
  new CircuitBreaker('opts', { registry: false, ...(options as CircuitBreakerOptions) });

describe('option validation', () => {
  it.each([
    [{ failureThreshold: 0 }, RangeError, 'Expected `failureThreshold` to be a positive integer, got `0` (number)'],
    [{ failureThreshold: -1 }, RangeError, 'Expected `failureThreshold` to be a positive integer, got `-1` (number)'],
    [{ failureThreshold: 1.5 }, RangeError, 'Expected `failureThreshold` to be a positive integer, got `1.5` (number)'],
    [{ failureThreshold: Number.NaN }, RangeError, 'Expected `failureThreshold` to be a positive integer, got `NaN` (number)'],
    [{ failureThreshold: '5' }, TypeError, 'Expected `failureThreshold` to be a positive integer, got `"5"` (string)'],
    [{ successThreshold: 0 }, RangeError, 'Expected `successThreshold` to be a positive integer, got `0` (number)'],
    [{ halfOpenMaxCalls: 0 }, RangeError, 'Expected `halfOpenMaxCalls` to be a positive integer, got `0` (number)'],
    [
      { recoveryTimeout: Number.POSITIVE_INFINITY },
      RangeError,
      'Expected `recoveryTimeout` to be a finite number of milliseconds >= 0, got `Infinity` (number)',
    ],
    [{ recoveryTimeout: -5 }, RangeError, 'Expected `recoveryTimeout` to be a finite number of milliseconds >= 0, got `-5` (number)'],
    [{ recoveryTimeout: null }, TypeError, 'Expected `recoveryTimeout` to be a finite number of milliseconds >= 0, got `null` (null)'],
    [{ fallback: 'cached' }, TypeError, 'Expected `fallback` to be a function, got `"cached"` (string)'],
    [{ isFailure: true }, TypeError, 'Expected `isFailure` to be a function, got `true` (boolean)'],
    [{ isResultFailure: 1 }, TypeError, 'Expected `isResultFailure` to be a function, got `1` (number)'],
    [{ onStateChange: {} }, TypeError, 'Expected `onStateChange` to be a function, got `{}` (object)'],
    [{ fallbackOn: 'always' }, TypeError, "Expected `fallbackOn` to be one of 'rejected', 'any', got `\"always\"` (string)"],
    [{ kind: 'promise' }, TypeError, "Expected `kind` to be one of 'auto', 'sync', 'async', got `\"promise\"` (string)"],
    [{ recordErrors: Error }, TypeError, 'Expected `recordErrors` to be an array of error classes, got `[function Error]` (function)'],
    [{ ignoreErrors: ['TypeError'] }, TypeError, 'Expected `ignoreErrors` to be an array of error classes, got `["TypeError"]` (array)'],
    [{ clock: { now: 5 } }, TypeError, 'Expected `clock` to be an object with a now() method, got `{"now":5}` (object)'],
    [{ registry: {} }, TypeError, 'Expected `registry` to be a Registry or false, got `{}` (object)'],
    [{ captureStackTrace: 'yes' }, TypeError, 'Expected `captureStackTrace` to be a boolean, got `"yes"` (string)'],
    [{ detector: { shouldTrip: () => true } }, TypeError, 'Expected `detector` to be a FailureDetector'],
  ])('rejects %o', (options, Kind, message) => {
    expect(make(options)).toThrow(Kind);
    expect(make(options)).toThrow(message);
  });

  it('rejects unknown option names and suggests the closest', () => {
    expect(make({ failureTreshold: 3 })).toThrow(TypeError);
    expect(make({ failureTreshold: 3 })).toThrow('Unknown circuit breaker option `failureTreshold` (did you mean `failureThreshold`?)');
    expect(make({ colour: 'red' })).toThrow(/^Unknown circuit breaker option `colour`; known options are /);
  });

  it('rejects a non-object options argument', () => {
    expect(() => new CircuitBreaker('x', 5 as never)).toThrow('Expected `options` to be an object, got `5` (number)');
  });

  it('validates wrapper and decorator options too', () => {
    expect(() => circuitBreaker(() => 1, { perInstance: true } as never)).toThrow('Unknown circuitBreaker() option `perInstance`');
    expect(() => circuitBreaker({ name: 'x', failureThreshold: 0 })).toThrow('Expected `failureThreshold` to be a positive integer');
    expect(() => circuitBreaker({ perInstance: 'yes' as never })).toThrow('Expected `perInstance` to be a boolean, got `"yes"` (string)');
    expect(() => circuitBreaker(42 as never)).toThrow(TypeError);
  });

  it('accepts zero recovery timeout (half-open on the next call)', () => {
    expect(make({ recoveryTimeout: 0 })).not.toThrow();
  });
});
