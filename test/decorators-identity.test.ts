import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, CircuitBreakerError, circuitBreaker, MemoryStateStore, Registry } from '../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

const fetchKey = Symbol('fetch');

describe('@circuitBreaker identity (standard decorators)', () => {
  it('keeps the method name and length', () => {
    class Service {
      @circuitBreaker()
      async charge(id: string, cents: number): Promise<string> {
        return `${id}:${cents}`;
      }
    }
    expect(Service.prototype.charge.name).toBe('charge');
    expect(Service.prototype.charge.length).toBe(2);
  });

  it('names a symbol-keyed method after the declaring class, whichever subclass is built first', () => {
    class Base {
      @circuitBreaker()
      [fetchKey](): string {
        return 'base';
      }
    }
    class Sub extends Base {}
    new Sub()[fetchKey]();
    new Base();
    expect(CircuitBreaker.registry.names()).toEqual(['Base.Symbol(fetch)']);
  });

  it('names a #private method after the declaring class, whichever subclass is built first', () => {
    class Repo {
      @circuitBreaker()
      #load(): string {
        return 'rows';
      }
      load(): string {
        return this.#load();
      }
    }
    class AdminRepo extends Repo {}
    class UserRepo extends Repo {}
    expect(new AdminRepo().load()).toBe('rows');
    expect(new UserRepo().load()).toBe('rows');
    expect(CircuitBreaker.registry.names()).toEqual(['Repo.#load']);
  });

  it('asks for a name on a #private method when the runtime gives no decorator metadata', () => {
    const decorate = circuitBreaker() as unknown as (value: unknown, context: unknown) => unknown;
    const context = { kind: 'method', name: '#load', private: true, static: false, addInitializer: () => {}, metadata: undefined };
    expect(() => decorate(() => 1, context)).toThrow(/private method #load needs a `name`/);
  });

  it('refuses two classes whose default names collide, naming both places and suggesting `name`', () => {
    const First = (() => {
      class ApiClient {
        @circuitBreaker({ failureThreshold: 1 })
        get(): string {
          return 'first';
        }
      }
      return ApiClient;
    })();
    const Second = (() => {
      class ApiClient {
        @circuitBreaker({ fallback: () => 'second fallback' })
        get(): string {
          return 'second';
        }
      }
      return ApiClient;
    })();
    expect(new First().get()).toBe('first');
    let error: unknown;
    try {
      new Second();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect((error as CircuitBreakerError).code).toBe('ERR_CIRCUIT_BREAKER_DUPLICATE_NAME');
    const message = (error as Error).message;
    expect(message).toMatch(
      /ApiClient\.get \(.*decorators-identity\.test\.ts:\d+:\d+\) and ApiClient\.get \(.*decorators-identity\.test\.ts:\d+:\d+\)/,
    );
    expect(message).toContain('`name`');
  });

  it('reuses the breaker when the same module is evaluated again (HMR, resetModules)', async () => {
    vi.resetModules();
    const first = await import('./decorators.fixture.js');
    expect(new first.Reloaded().ping()).toBe('pong');
    CircuitBreaker.get('Reloaded.ping').trip();
    vi.resetModules();
    const second = await import('./decorators.fixture.js');
    expect(second.Reloaded).not.toBe(first.Reloaded);
    expect(() => new second.Reloaded().ping()).toThrow(/Circuit "Reloaded.ping" is forced_open/);
  });

  it('shares an explicit name when the options agree, and refuses different ones', () => {
    const shared = { name: 'payments', failureThreshold: 2 } as const;
    class Checkout {
      @circuitBreaker(shared)
      pay(): string {
        return 'paid';
      }
      @circuitBreaker({ name: 'payments', failureThreshold: 2 })
      refund(): string {
        return 'refunded';
      }
      @circuitBreaker({ name: 'payments' })
      status(): string {
        return 'ok';
      }
    }
    const checkout = new Checkout();
    expect([checkout.pay(), checkout.refund(), checkout.status()]).toEqual(['paid', 'refunded', 'ok']);
    class Billing {
      @circuitBreaker({ name: 'payments', failureThreshold: 9 })
      invoice(): string {
        return 'invoiced';
      }
    }
    expect(() => new Billing()).toThrow(/Billing\.invoice .*shares the breaker "payments" with Checkout\.pay .*`failureThreshold`/);
  });

  it('refuses to take over a breaker created outside a decorator', () => {
    CircuitBreaker.getOrCreate('Inventory.count');
    class Inventory {
      @circuitBreaker()
      count(): number {
        return 1;
      }
    }
    expect(() => new Inventory()).toThrow(/"Inventory\.count" already exists, created outside a decorator/);
  });
});

describe('@circuitBreaker({ perInstance: true }) (standard decorators)', () => {
  it('answers a detached call with a clear TypeError', () => {
    class Client {
      @circuitBreaker({ perInstance: true })
      send(): string {
        return 'sent';
      }
    }
    const { send } = new Client();
    expect(() => send()).toThrow(/perInstance: true \}\) send was called without its object .*bind/);
  });

  it('refuses a store: every object would be a fleet peer under one name', () => {
    expect(() => circuitBreaker({ perInstance: true, store: new MemoryStateStore() })).toThrow(
      /`perInstance: true` cannot be combined with `store`/,
    );
  });

  it('gives each object its own breaker named after the declaring class, outside any registry', () => {
    class Client {
      @circuitBreaker({ perInstance: true, failureThreshold: 1 })
      send(fail: boolean): string {
        if (fail) throw new Error('down');
        return 'sent';
      }
    }
    class Sub extends Client {}
    const a = new Sub();
    expect(() => a.send(true)).toThrow('down');
    expect(() => a.send(false)).toThrow(/Circuit "Client.send" is open/);
    expect(new Sub().send(false)).toBe('sent');
    expect(CircuitBreaker.registry.size).toBe(0);
  });
});
