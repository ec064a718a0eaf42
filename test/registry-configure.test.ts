import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitBreakerError, circuitBreaker, Registry } from '../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

describe('Registry#configure', () => {
  it('creates a breaker with the options configured for its name, wherever getOrCreate(name) runs', () => {
    const registry = new Registry().configure('payments', { failureThreshold: 3, recoveryTimeout: 30_000 });
    const payments = registry.getOrCreate('payments');
    expect(payments.status()).toMatchObject({ failureThreshold: 3, recoveryTimeoutMs: 30_000 });
    expect(registry.getOrCreate('other').status().failureThreshold).toBe(5);
  });

  it('lets options given at creation override the configured ones key by key', () => {
    const registry = new Registry({ breakers: { search: { failureThreshold: 3, successThreshold: 1 } } });
    const search = registry.getOrCreate('search', { failureThreshold: 7 });
    expect(search.status()).toMatchObject({ failureThreshold: 7, successThreshold: 1 });
  });

  it('applies to decorated methods and CircuitBreaker.getOrCreate on the default registry', () => {
    CircuitBreaker.registry.configure('Ledger.post', { failureThreshold: 2 });
    class Ledger {
      @circuitBreaker()
      post(): string {
        return 'posted';
      }
    }
    new Ledger();
    expect(CircuitBreaker.get('Ledger.post').status().failureThreshold).toBe(2);
  });

  it('refuses to configure a breaker that already exists', () => {
    const registry = new Registry();
    registry.getOrCreate('db');
    expect(() => registry.configure('db', { failureThreshold: 1 })).toThrow(CircuitBreakerError);
    expect(() => registry.configure('db', { failureThreshold: 1 })).toThrow(/"db" already exists, so configure\(\) can no longer change/);
  });

  it('names bad input: unknown options, a blank name, a non-object', () => {
    const registry = new Registry();
    expect(() => registry.configure('db', { failureTreshold: 1 } as never)).toThrow(
      /Unknown registry.configure\("db"\) option `failureTreshold` \(did you mean `failureThreshold`\?\)/,
    );
    expect(() => registry.configure(' ', {})).toThrow('Expected `name` to be a non-empty string, got `" "` (string)');
    expect(() => registry.configure('db', null as never)).toThrow('Expected `options` to be an object, got `null` (null)');
    expect(() => new Registry({ breakers: 3 } as never)).toThrow(
      'Expected `breakers` to be an object of options by name, got `3` (number)',
    );
    expect(() => new Registry({ breaker: {} } as never)).toThrow(/Unknown Registry option `breaker`/);
  });
});
