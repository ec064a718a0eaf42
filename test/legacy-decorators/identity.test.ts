// Legacy (experimentalDecorators) identity: what frameworks read from the method survives the decorator.
import 'reflect-metadata';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, circuitBreaker, Registry } from '../../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

const fetchKey = Symbol('fetch');

/** A framework-style decorator that stores metadata on the method function, as NestJS's do. */
function Tag(value: string) {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    Reflect.defineMetadata('tag', value, descriptor.value);
    (descriptor.value as { marker?: string }).marker = value;
  };
}

describe('@circuitBreaker identity (legacy decorators)', () => {
  it('carries every reflect-metadata key and own property of the method, and keeps name and length', () => {
    class Service {
      @circuitBreaker()
      @Tag('first')
      load(id: string, page: number): string {
        return `${id}:${page}`;
      }
    }
    const { load } = Service.prototype;
    expect(Reflect.getMetadata('tag', load)).toBe('first');
    expect((load as { marker?: string }).marker).toBe('first');
    expect([load.name, load.length]).toEqual(['load', 2]);
    expect(new Service().load('a', 1)).toBe('a:1');
  });

  it('names a symbol-keyed method after the declaring class, as the standard dialect does', () => {
    class Base {
      @circuitBreaker()
      [fetchKey](): string {
        return 'base';
      }
    }
    class Sub extends Base {}
    expect(new Sub()[fetchKey]()).toBe('base');
    expect(CircuitBreaker.registry.names()).toEqual(['Base.Symbol(fetch)']);
  });

  it('refuses at definition two classes whose default names collide, naming both places', () => {
    const first = () => {
      class ApiClient {
        @circuitBreaker()
        get(): string {
          return 'first';
        }
      }
      return ApiClient;
    };
    const second = () => {
      class ApiClient {
        @circuitBreaker()
        get(): string {
          return 'second';
        }
      }
      return ApiClient;
    };
    expect(new (first())().get()).toBe('first');
    expect(second).toThrow(
      /ApiClient\.get \(.*identity\.test\.ts:\d+:\d+\) and ApiClient\.get \(.*identity\.test\.ts:\d+:\d+\) both default to .*`name`/,
    );
  });

  it('refuses a shared explicit name with a different fallback at definition', () => {
    class Orders {
      @circuitBreaker({ name: 'orders', fallback: () => [] })
      list(): string[] {
        return ['o1'];
      }
    }
    expect(new Orders().list()).toEqual(['o1']);
    const reports = () => {
      class Reports {
        @circuitBreaker({ name: 'orders', fallback: () => ['stale'] })
        list(): string[] {
          return ['r1'];
        }
      }
      return Reports;
    };
    expect(reports).toThrow(/shares the breaker "orders" with Orders\.list .*`fallback`/);
  });

  it('answers a detached perInstance call with a clear TypeError', () => {
    class Client {
      @circuitBreaker({ perInstance: true })
      send(): string {
        return 'sent';
      }
    }
    const send = new Client().send;
    expect(() => send()).toThrow(/send was called without its object/);
  });
});
