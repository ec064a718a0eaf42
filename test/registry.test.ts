import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitBreakerError, circuitBreaker, Registry } from '../src/index.js';
import { boom, expectThrow, fakeClock } from './helpers.js';

describe('Registry', () => {
  it('registers a named breaker under its name', () => {
    const registry = new Registry();
    const breaker = new CircuitBreaker('inventory', { registry });
    expect(registry.get('inventory')).toBe(breaker);
    expect(registry.has('inventory')).toBe(true);
    expect(registry.size).toBe(1);
  });

  it('throws a clear error for an unknown name, listing the known ones', () => {
    const registry = new Registry();
    new CircuitBreaker('users', { registry });
    const error = expectThrow(() => registry.get('user'));
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect(error).toMatchObject({ code: 'ERR_CIRCUIT_BREAKER_NOT_FOUND' });
    expect((error as Error).message).toBe('No circuit breaker named `"user"` (string); registered: "users"');
    expect(registry.find('user')).toBeUndefined();
  });

  it('refuses a second breaker under a taken name', () => {
    const registry = new Registry();
    new CircuitBreaker('db', { registry });
    expect(() => new CircuitBreaker('db', { registry })).toThrow(/already registered; use getOrCreate\(\)/);
  });

  it('getOrCreate returns the same instance every time and keeps the first options', () => {
    const registry = new Registry();
    const first = registry.getOrCreate('x', { failureThreshold: 2 });
    const second = registry.getOrCreate('x', { failureThreshold: 9 });
    expect(second).toBe(first);
    expect(first.status().failureThreshold).toBe(2);
  });

  it('reports all states, statuses and lists by state', () => {
    const registry = new Registry();
    const clock = fakeClock();
    const users = registry.getOrCreate('users', { clock });
    const payments = registry.getOrCreate('payments', { failureThreshold: 1, clock });
    expectThrow(() => payments.call(boom));
    expect(registry.getAllStates()).toEqual({ users: 'closed', payments: 'open' });
    expect(registry.list('open')).toEqual(['payments']);
    expect(registry.names()).toEqual(['users', 'payments']);
    expect(Object.keys(registry.status())).toEqual(['users', 'payments']);
    expect(registry.status().payments?.state).toBe('open');
    expect([...registry]).toEqual([users, payments]);
    expect(() => registry.list('broken' as never)).toThrow(TypeError);
  });

  it('resetAll closes every breaker', () => {
    const registry = new Registry();
    const a = registry.getOrCreate('a', { failureThreshold: 1 });
    a.trip();
    registry.resetAll();
    expect(a.state).toBe('closed');
  });

  it('drops breakers with delete and clear', () => {
    const registry = new Registry();
    registry.getOrCreate('per-key:1');
    registry.getOrCreate('per-key:2');
    expect(registry.delete('per-key:1')).toBe(true);
    expect(registry.delete('per-key:1')).toBe(false);
    expect(registry.names()).toEqual(['per-key:2']);
    registry.clear();
    expect(registry.size).toBe(0);
  });

  it('keeps isolated registries apart', () => {
    const a = new Registry();
    const b = new Registry();
    a.getOrCreate('shared-name');
    expect(b.has('shared-name')).toBe(false);
  });
});

describe('CircuitBreaker static registry methods', () => {
  afterEach(() => {
    Registry.default.clear();
  });

  it('use the default registry', () => {
    const users = circuitBreaker(async (id: string) => ({ id }), { name: 'static-users' });
    expect(CircuitBreaker.get('static-users')).toBe(users.breaker);
    expect(CircuitBreaker.getOrCreate('static-users')).toBe(users.breaker);
    expect(CircuitBreaker.registry).toBe(Registry.default);
    users.breaker.trip();
    expect(CircuitBreaker.getAllStates()).toEqual({ 'static-users': 'forced_open' });
    expect(CircuitBreaker.getAllStatuses()['static-users']?.state).toBe('forced_open');
    CircuitBreaker.resetAll();
    expect(CircuitBreaker.getAllStates()).toEqual({ 'static-users': 'closed' });
  });

  it('throws for an unknown name', () => {
    expect(() => CircuitBreaker.get('nope')).toThrow('No circuit breaker named `"nope"` (string); registered: none');
  });

  it('registers unnamed wrappers, and no breaker with registry: false', () => {
    const work = circuitBreaker(function anonymousWork() {
      return 1;
    });
    new CircuitBreaker('private', { registry: false });
    expect(Registry.default.names()).toEqual(['anonymousWork']);
    Registry.default.delete(work.breaker.name);
  });
});
