import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, circuitBreaker, Registry } from '../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

describe('@circuitBreaker (standard decorators)', () => {
  it('keeps an async method async and a sync method sync', async () => {
    class Payments {
      @circuitBreaker({ name: 'tc39-payments', fallback: () => ({ status: 'queued' }) })
      async charge(id: string) {
        return { status: `charged ${id}` };
      }

      @circuitBreaker
      parsePrice(s: string): number {
        return Number.parseFloat(s);
      }
    }
    const payments = new Payments();
    expect(payments.parsePrice('9.5')).toBe(9.5);
    const charged = payments.charge('c1');
    expect(charged).toBeInstanceOf(Promise);
    await expect(charged).resolves.toEqual({ status: 'charged c1' });
    CircuitBreaker.get('tc39-payments').trip();
    await expect(payments.charge('c2')).resolves.toEqual({ status: 'queued' });
  });

  it('names the breaker Class.method and registers it at first construction', () => {
    class Inventory {
      @circuitBreaker()
      count(): number {
        return 3;
      }
    }
    expect(CircuitBreaker.registry.has('Inventory.count')).toBe(false);
    new Inventory();
    expect(CircuitBreaker.registry.has('Inventory.count')).toBe(true);
  });

  it('names the declaring class, not a subclass', () => {
    class Base {
      @circuitBreaker()
      ping() {
        return 'pong';
      }
    }
    class Derived extends Base {}
    expect(new Derived().ping()).toBe('pong');
    expect(CircuitBreaker.registry.names()).toEqual(['Base.ping']);
  });

  it('shares one breaker across instances by default', () => {
    class Db {
      @circuitBreaker({ failureThreshold: 2 })
      query(fail: boolean): string {
        if (fail) throw new Error('db down');
        return 'rows';
      }
    }
    const a = new Db();
    const b = new Db();
    expect(() => a.query(true)).toThrow('db down');
    expect(() => b.query(true)).toThrow('db down');
    expect(() => a.query(false)).toThrow(CircuitOpenError);
    expect(() => b.query(false)).toThrow(CircuitOpenError);
  });

  it('gives each object its own breaker with perInstance', () => {
    class Client {
      @circuitBreaker({ perInstance: true, failureThreshold: 1 })
      send(fail: boolean): string {
        if (fail) throw new Error('send failed');
        return 'sent';
      }
    }
    const a = new Client();
    const b = new Client();
    expect(() => a.send(true)).toThrow('send failed');
    expect(() => a.send(false)).toThrow(CircuitOpenError);
    expect(b.send(false)).toBe('sent');
    expect(CircuitBreaker.registry.size).toBe(0);
  });

  it('works on static methods and registers them at class definition', async () => {
    // biome-ignore lint/complexity/noStaticOnlyClass: static methods are what this test decorates
    class Api {
      @circuitBreaker({ failureThreshold: 1 })
      static async fetch(fail: boolean): Promise<string> {
        if (fail) throw new Error('api down');
        return 'ok';
      }
    }
    expect(CircuitBreaker.registry.has('Api.fetch')).toBe(true);
    await expect(Api.fetch(true)).rejects.toThrow('api down');
    await expect(Api.fetch(false)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('passes this to the method and the fallback', async () => {
    class Users {
      readonly cache = { u1: 'cached user' } as Record<string, string>;
      @circuitBreaker({
        name: 'tc39-users',
        fallback(this: Users, _error: unknown, id: string) {
          return this.cache[id];
        },
      })
      async get(id: string): Promise<string | undefined> {
        return `live ${id}`;
      }
    }
    const users = new Users();
    CircuitBreaker.get('tc39-users').trip();
    await expect(users.get('u1')).resolves.toBe('cached user');
  });

  it('refuses to decorate a field or accessor', () => {
    const decorate = circuitBreaker() as unknown as (value: unknown, context: unknown) => unknown;
    expect(() => decorate(undefined, { kind: 'field', name: 'x', addInitializer: () => {} })).toThrow(
      '@circuitBreaker decorates methods, not the field x',
    );
  });
});
