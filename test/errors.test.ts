import { describe, expect, it } from 'vitest';
import {
  CallTimeoutError,
  CircuitBreakerError,
  CircuitOpenError,
  ErrorCode,
  isCallTimeoutError,
  isCircuitBreakerError,
  isCircuitOpenError,
} from '../src/index.js';

describe('CircuitOpenError', () => {
  it('carries the breaker name, state, retry time and a stable code', () => {
    const error = new CircuitOpenError({ breakerName: 'users', state: 'open', retryAfterMs: 1_234.2 });
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'CircuitOpenError', code: ErrorCode.CIRCUIT_OPEN, breakerName: 'users', retryAfterMs: 1_234.2 });
    expect(error.message).toBe('Circuit "users" is open; retry after 1235 ms');
  });

  it('passes cause through', () => {
    const cause = new Error('root');
    expect(new CircuitOpenError({ breakerName: 'x', state: 'forced_open', retryAfterMs: null }, { cause }).cause).toBe(cause);
  });
});

describe('error guards', () => {
  it('recognise their own classes', () => {
    expect(isCircuitOpenError(new CircuitOpenError({ breakerName: 'x', state: 'open', retryAfterMs: 1 }))).toBe(true);
    expect(isCallTimeoutError(new CallTimeoutError('x', 10))).toBe(true);
    expect(isCircuitBreakerError(new CallTimeoutError('x', 10))).toBe(true);
  });

  it('recognise errors from another copy of the package by brand and name', () => {
    const foreign = Object.assign(new Error('from the CJS copy'), { name: 'CircuitOpenError' });
    Object.defineProperty(foreign, Symbol.for('tripswitch.error'), { value: true });
    expect(isCircuitOpenError(foreign)).toBe(true);
    expect(isCircuitBreakerError(foreign)).toBe(true);
  });

  it('reject look-alikes without the brand and non-objects', () => {
    expect(isCircuitOpenError(Object.assign(new Error(), { name: 'CircuitOpenError' }))).toBe(false);
    expect(isCircuitBreakerError('CircuitOpenError')).toBe(false);
    expect(isCircuitBreakerError(null)).toBe(false);
    expect(isCallTimeoutError(new CircuitOpenError({ breakerName: 'x', state: 'open', retryAfterMs: 1 }))).toBe(false);
  });
});
