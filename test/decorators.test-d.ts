// Standard (TC39) decorators: the decorated method keeps its type, and a decorator's fallback is checked against it.
import { describe, expectTypeOf, it } from 'vitest';
import { type CircuitBreakerDecoratorOptions, circuitBreaker } from '../src/index.js';

describe('@circuitBreaker types (standard decorators)', () => {
  it('decorates generic methods and keeps their type', () => {
    class Cache {
      @circuitBreaker()
      get<T>(key: string, fallback: T): T {
        return key === '' ? fallback : fallback;
      }

      @circuitBreaker
      async load<T extends object>(value: T): Promise<T> {
        return value;
      }
    }
    expectTypeOf(new Cache().get('k', 42)).toEqualTypeOf<number>();
    expectTypeOf(new Cache().load({ id: 1 })).toEqualTypeOf<Promise<{ id: number }>>();
  });

  it('checks the fallback against the method: error first, then the arguments, with its `this`', () => {
    class Users {
      readonly cache = new Map<string, number>();

      @circuitBreaker({
        fallback(this: Users, error: unknown, id: string) {
          expectTypeOf(error).toEqualTypeOf<unknown>();
          return this.cache.get(id) ?? 0;
        },
      })
      async count(id: string): Promise<number> {
        return id.length;
      }

      @circuitBreaker({ fallback: async () => 0 })
      async total(): Promise<number> {
        return 1;
      }

      @circuitBreaker({ fallback: () => 'n/a' })
      label(): string {
        return 'label';
      }
    }
    expectTypeOf(new Users().count('u1')).toEqualTypeOf<Promise<number>>();
  });

  it('accepts options typed ahead of the decorator', () => {
    const options: CircuitBreakerDecoratorOptions = { failureThreshold: 2, fallback: () => 0 };
    class Typed {
      @circuitBreaker(options)
      async count(): Promise<number> {
        return 1;
      }
    }
    expectTypeOf(new Typed().count()).toEqualTypeOf<Promise<number>>();
  });

  it('refuses a fallback that returns the wrong type, takes wrong arguments or the wrong `this`', () => {
    class Wrong {
      // @ts-expect-error a fallback returning a string for Promise<number>
      @circuitBreaker({ fallback: () => 'oops' })
      async count(): Promise<number> {
        return 1;
      }

      // @ts-expect-error the argument after the error is a string, not a number
      @circuitBreaker({ fallback: (_error: unknown, id: number) => id })
      find(id: string): number {
        return id.length;
      }

      // @ts-expect-error `this` is Wrong, not Date
      @circuitBreaker({
        fallback: function (this: Date) {
          return this.getTime();
        },
      })
      time(): number {
        return 0;
      }
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });

  it('keeps the overloads and `this` of a wrapped function', () => {
    function parse(value: string): number;
    function parse(value: number): string;
    function parse(value: string | number): number | string {
      return typeof value === 'string' ? Number(value) : String(value);
    }
    const safeParse = circuitBreaker(parse);
    expectTypeOf(safeParse('1')).toEqualTypeOf<number>();
    expectTypeOf(safeParse(1)).toEqualTypeOf<string>();

    const greet = circuitBreaker(function (this: { name: string }, greeting: string) {
      return `${greeting}, ${this.name}`;
    });
    expectTypeOf(greet).thisParameter.toEqualTypeOf<{ name: string }>();
    // @ts-expect-error called without its `this`
    greet('hi');
  });
});
