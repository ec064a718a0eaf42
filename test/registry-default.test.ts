import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, circuitBreaker, Registry } from '../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

describe('the default registry', () => {
  it('is one object, reachable as Registry.default and CircuitBreaker.registry, kept on globalThis', () => {
    expect(CircuitBreaker.registry).toBe(Registry.default);
    expect((globalThis as unknown as Record<symbol, unknown>)[Symbol.for('tripswitch.registry.default.v1')]).toBe(Registry.default);
  });

  it('holds unnamed circuitBreaker(fn) breakers, so health() sees them open', () => {
    const sync = circuitBreaker(
      function syncInventory() {
        throw new Error('down');
      },
      { failureThreshold: 1 },
    );
    expect(() => sync()).toThrow('down');
    const report = CircuitBreaker.health();
    expect(report.status).toBe('degraded');
    expect(report.unhealthy).toEqual(['syncInventory']);
  });

  it('gives unnamed breakers of the same name distinct names in creation order, never one shared breaker', () => {
    const a = circuitBreaker(() => 1);
    const b = circuitBreaker(() => 2);
    const c = circuitBreaker(function load() {});
    const d = circuitBreaker(function load() {});
    expect([a.breaker.name, b.breaker.name, c.breaker.name, d.breaker.name]).toEqual(['anonymous', 'anonymous#2', 'load', 'load#2']);
    expect(a.breaker).not.toBe(b.breaker);
  });

  it('keeps `registry: false` breakers out', () => {
    const wrapped = circuitBreaker(function job() {}, { registry: false });
    expect(wrapped.breaker.name).toBe('job');
    expect(Registry.default.has('job')).toBe(false);
  });
});
