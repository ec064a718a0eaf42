import { describe, expect, it, vi } from 'vitest';
import { CircuitOpenError, circuitBreaker, Registry } from '../src/index.js';
import { fakeClock } from './helpers.js';

describe('circuitBreaker(fn)', () => {
  it('returns plain values for a sync function and promises for an async one', async () => {
    const parse = circuitBreaker((s: string) => Number.parseInt(s, 10));
    expect(parse('42')).toBe(42);
    const fetchUser = circuitBreaker(async (id: string) => ({ id }));
    const answer = fetchUser('u1');
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toEqual({ id: 'u1' });
  });

  it('exposes its breaker and keeps the function name', () => {
    const registry = new Registry();
    const getUser = circuitBreaker(
      async function fetchUser(id: string) {
        return id;
      },
      { name: 'users', registry },
    );
    expect(getUser.name).toBe('fetchUser');
    expect(getUser.breaker.name).toBe('users');
    expect(registry.get('users')).toBe(getUser.breaker);
  });

  it('names an unnamed breaker after the function and registers it (see test/registry-default.test.ts)', () => {
    const work = circuitBreaker(function nightlyJob() {});
    expect(work.breaker.name).toBe('nightlyJob');
    expect(Registry.default.get('nightlyJob')).toBe(work.breaker);
    Registry.default.delete('nightlyJob');
  });

  it('opens after failureThreshold and rejects without calling, in the shape of the function', async () => {
    const clock = fakeClock();
    const fn = vi.fn(async (): Promise<string> => {
      throw new Error('down');
    });
    const getUser = circuitBreaker(fn, { failureThreshold: 3, recoveryTimeout: 30_000, clock });
    for (let i = 0; i < 3; i++) await expect(getUser()).rejects.toThrow('down');
    await expect(getUser()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fn).toHaveBeenCalledTimes(3);
    const sync = circuitBreaker(
      (): number => {
        throw new Error('sync down');
      },
      { failureThreshold: 1 },
    );
    expect(() => sync()).toThrow('sync down');
    expect(() => sync()).toThrow(CircuitOpenError);
  });

  it('passes this and every argument through', () => {
    const service = {
      base: 10,
      add: circuitBreaker(function (this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      }),
    };
    expect(service.add(1, 2)).toBe(13);
  });

  it('hands fn exactly the arguments of the call, from none to more than three, with this', () => {
    const seen: unknown[][] = [];
    const record = circuitBreaker(
      function (this: unknown, ...args: unknown[]) {
        seen.push([this, args.length, ...args]);
        return args.length;
      },
      { registry: false },
    );
    const self = { id: 'self' };
    expect(record()).toBe(0);
    expect(record(undefined)).toBe(1);
    expect(record.call(self, 'a', 'b')).toBe(2);
    expect(record(1, 2, 3)).toBe(3);
    expect(record(1, 2, 3, 4, 5)).toBe(5);
    expect(seen).toEqual([
      [undefined, 0],
      [undefined, 1, undefined],
      [self, 2, 'a', 'b'],
      [undefined, 3, 1, 2, 3],
      [undefined, 5, 1, 2, 3, 4, 5],
    ]);
    expect(record.length).toBe(0);
  });

  it('passes this to methods of every shape (only an arrow, which ignores it, is called without)', async () => {
    class Service {
      base = 1;
      plain(a: number) {
        return this.base + a;
      }
      async later(a: number) {
        return this.base + a;
      }
    }
    const methods = {
      base: 2,
      async() {
        return this.base;
      },
      ['com' + 'puted']() {
        return this.base;
      },
    };
    const service = new Service();
    const plain = circuitBreaker(Service.prototype.plain, { registry: false });
    const later = circuitBreaker(Service.prototype.later, { registry: false });
    expect(plain.call(service, 1)).toBe(2);
    await expect(later.call(service, 2)).resolves.toBe(3);
    const named = circuitBreaker(methods.async, { registry: false });
    const computed = circuitBreaker(methods.computed as () => number, { registry: false });
    expect(named.call(methods)).toBe(2);
    expect(computed.call(methods)).toBe(2);
    const arrow = circuitBreaker((a: number) => a * 2, { registry: false });
    expect(arrow.call(service, 4)).toBe(8);
  });

  it('gives a fallback exactly the arguments of the call, sync and async', async () => {
    const calls: unknown[][] = [];
    const fallback = (_error: unknown, ...args: unknown[]) => {
      calls.push(args);
      return 'fallback';
    };
    const sync = circuitBreaker((..._args: unknown[]): string => 'ok', { registry: false, fallback });
    const async = circuitBreaker(async (..._args: unknown[]): Promise<string> => 'ok', { registry: false, fallback });
    sync.breaker.trip();
    expect(sync()).toBe('fallback');
    expect(sync(1, 2)).toBe('fallback');
    expect(sync(1, 2, 3, 4)).toBe('fallback');
    async.breaker.trip();
    await expect(async('x')).resolves.toBe('fallback');
    expect(calls).toEqual([[], [1, 2], [1, 2, 3, 4], ['x']]);
  });

  it('answers with a typed fallback', async () => {
    const getPrice = circuitBreaker(async (sku: string): Promise<number> => Number(sku), {
      fallback: (error, sku) => (error instanceof CircuitOpenError ? -1 : sku.length),
    });
    getPrice.breaker.trip();
    await expect(getPrice('12')).resolves.toBe(-1);
  });

  it('recognises async functions compiled to plain functions once they return a promise', async () => {
    // What a consumer's down-levelled `async` method looks like: a plain function returning a promise.
    function legacyAsync(): Promise<number> {
      return Promise.reject(new Error('down'));
    }
    const wrapped = circuitBreaker(legacyAsync, { failureThreshold: 1 });
    await expect(wrapped()).rejects.toThrow('down');
    const rejected = wrapped();
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toBeInstanceOf(CircuitOpenError);
  });
});
