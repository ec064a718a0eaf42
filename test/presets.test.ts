import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  ConsecutiveFailuresDetector,
  cacheOperation,
  circuitBreaker,
  databaseOperation,
  externalService,
  messageQueue,
  presetTimeouts,
  Registry,
} from '../src/index.js';

describe('externalService', () => {
  it('returns documented defaults under the given name, with the caller options winning', () => {
    const options = externalService('rates', { recoveryTimeout: 5_000 });
    expect(options).toMatchObject({ name: 'rates', failureThreshold: 5, successThreshold: 2, recoveryTimeout: 5_000 });
  });

  it('sets the preset per-call timeout, which the caller can override', () => {
    expect(externalService('rates').timeout).toBe(presetTimeouts.externalService);
    expect(databaseOperation('db').timeout).toBe(presetTimeouts.databaseOperation);
    expect(externalService('rates', { timeout: 1_234 }).timeout).toBe(1_234);
  });

  it('configures a wrapped function that opens after five failures and answers with the fallback', async () => {
    const registry = new Registry();
    const call = circuitBreaker(async (_id: string): Promise<string> => Promise.reject(new Error('503')), {
      ...externalService('rates-api', { fallback: () => 'cached' }),
      registry,
    });
    for (let i = 0; i < 5; i++) await expect(call('x')).rejects.toThrow('503');
    expect(registry.get('rates-api').state).toBe('open');
    await expect(call('x')).resolves.toBe('cached');
  });

  it('configures a decorated method', async () => {
    const registry = new Registry();
    class Payments {
      @circuitBreaker({ ...externalService('payments'), registry })
      async charge(id: string): Promise<string> {
        return `charged ${id}`;
      }
    }
    await expect(new Payments().charge('a')).resolves.toBe('charged a');
    expect(registry.get('payments').status().recoveryTimeoutMs).toBe(30_000);
  });

  it('rejects an empty name', () => {
    expect(() => externalService('')).toThrow(/Expected `name` to be a non-empty string/);
  });
});

describe('databaseOperation', () => {
  it('opens after three consecutive failures and closes after one good trial', () => {
    let now = 0;
    const breaker = new CircuitBreaker('db', { ...withoutName(databaseOperation('db')), registry: false, clock: { now: () => now } });
    for (let i = 0; i < 3; i++)
      expect(() =>
        breaker.call(() => {
          throw new Error('connection refused');
        }),
      ).toThrow();
    expect(breaker.state).toBe('open');
    now = 10_000;
    expect(breaker.call(() => 'row')).toBe('row');
    expect(breaker.state).toBe('closed');
  });
});

describe('cacheOperation', () => {
  it('answers null instead of an error when the cache fails, sync or async', async () => {
    const get = circuitBreaker(
      (_key: string): string | null => {
        throw new Error('ECONNRESET');
      },
      cacheOperation('sessions', { registry: false }),
    );
    expect(get('k')).toBeNull();
    const getAsync = circuitBreaker(
      async (_key: string): Promise<string | null> => {
        throw new Error('ECONNRESET');
      },
      cacheOperation('sessions-async', { registry: false }),
    );
    await expect(getAsync('k')).resolves.toBeNull();
  });

  it('answers null while open without calling the cache', () => {
    let calls = 0;
    const get = circuitBreaker(
      (_key: string): string | null => {
        calls++;
        throw new Error('down');
      },
      cacheOperation('c', { registry: false }),
    );
    for (let i = 0; i < 3; i++) get('k');
    expect(get.breaker.state).toBe('open');
    expect(get('k')).toBeNull();
    expect(calls).toBe(3);
  });

  it('surfaces errors when fallbackToNull is false', () => {
    const get = circuitBreaker(
      (): string => {
        throw new Error('down');
      },
      cacheOperation('c2', { fallbackToNull: false, registry: false }),
    );
    expect(() => get()).toThrow('down');
  });

  it('rejects a non-boolean fallbackToNull', () => {
    expect(() => cacheOperation('c3', { fallbackToNull: 'yes' as never })).toThrow(/Expected `fallbackToNull` to be a boolean/);
  });
});

describe('messageQueue', () => {
  it('returns documented defaults', () => {
    expect(messageQueue('orders')).toMatchObject({ name: 'orders', failureThreshold: 5, successThreshold: 2, recoveryTimeout: 15_000 });
  });
});

function withoutName<T extends { name: string }>(options: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = options;
  return rest;
}

describe('presets as their JSDoc passes them', () => {
  it('work with registry.getOrCreate(preset.name, preset)', () => {
    const registry = new Registry();
    const preset = externalService('rates-api');
    const breaker = registry.getOrCreate(preset.name, preset);
    expect(breaker.name).toBe('rates-api');
    expect(breaker.status()).toMatchObject({ failureThreshold: 5, successThreshold: 2, recoveryTimeoutMs: 30_000 });
    expect(registry.getOrCreate(preset.name, preset)).toBe(breaker);
  });

  it('work with new CircuitBreaker(preset.name, preset)', () => {
    const preset = databaseOperation('users-db', { registry: false });
    const breaker = new CircuitBreaker(preset.name, preset);
    expect(breaker.status()).toMatchObject({ name: 'users-db', failureThreshold: 3, recoveryTimeoutMs: 10_000 });
    const cache = cacheOperation('sessions', { registry: false });
    expect(new CircuitBreaker(cache.name, cache).call(() => 'hit')).toBe('hit');
  });

  it('refuse a preset whose name differs from the breaker name', () => {
    const preset = messageQueue('orders', { registry: false });
    expect(() => new CircuitBreaker('payments', preset)).toThrow(TypeError);
    expect(() => new CircuitBreaker('payments', preset)).toThrow(/`name`.*"payments".*"orders"/);
  });
});

describe('preset validation', () => {
  it('refuses bad options where the preset is written, with the breaker messages', () => {
    expect(() => externalService('rates', { timeout: 30 * 86_400_000 })).toThrow(RangeError);
    expect(() => externalService('rates', { timeout: 30 * 86_400_000 })).toThrow(/`timeout`.*2592000000/);
    expect(() => databaseOperation('db', { failureTreshold: 3 } as never)).toThrow(/did you mean `failureThreshold`/);
    expect(() => messageQueue('q', { detector: 'countWindow', windowSize: 5e8 })).toThrow(/`windowSize`.*100000/);
  });

  it('does not call a detector factory to validate', () => {
    let calls = 0;
    const preset = externalService('rates', {
      registry: false,
      detector: () => {
        calls++;
        return new ConsecutiveFailuresDetector({ failureThreshold: 2 });
      },
    });
    expect(calls).toBe(0);
    new CircuitBreaker(preset.name, preset);
    expect(calls).toBe(1);
  });
});
