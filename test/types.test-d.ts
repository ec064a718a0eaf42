import { describe, expectTypeOf, it } from 'vitest';
import { CircuitBreaker, type CircuitState, circuitBreaker } from '../src/index.js';

describe('circuitBreaker types', () => {
  it('keeps the wrapped function type', () => {
    const fetchUser = async (id: string) => ({ id, name: 'Ada' });
    const parse = (s: string, radix: number): number => Number.parseInt(s, radix);
    const getUser = circuitBreaker(fetchUser);
    const safeParse = circuitBreaker(parse);
    expectTypeOf(getUser).parameters.toEqualTypeOf<[string]>();
    expectTypeOf<ReturnType<typeof getUser>>().toEqualTypeOf<ReturnType<typeof fetchUser>>();
    expectTypeOf<ReturnType<typeof safeParse>>().toEqualTypeOf<number>();
    expectTypeOf(getUser.breaker).toEqualTypeOf<CircuitBreaker>();
  });

  it('types the fallback by the function', () => {
    circuitBreaker(async (id: string) => ({ id }), {
      fallback: (error, id) => {
        expectTypeOf(id).toEqualTypeOf<string>();
        expectTypeOf(error).toEqualTypeOf<unknown>();
        return { id };
      },
    });
    // @ts-expect-error the error comes first: an argument in its place is refused
    circuitBreaker(async (id: string) => ({ id }), { fallback: (id: string, _error: unknown) => ({ id }) });
    // @ts-expect-error a sync function's fallback must return its type
    circuitBreaker((n: number) => n * 2, { fallback: () => 'not a number' });
    // @ts-expect-error unknown option
    circuitBreaker(() => 1, { failureTreshold: 3 });
  });

  it('keeps decorated method types, sync and async', () => {
    class Service {
      @circuitBreaker()
      async charge(id: string) {
        return id.length;
      }

      @circuitBreaker
      parse(s: string): number {
        return Number(s);
      }
    }
    expectTypeOf(new Service().charge).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(new Service().parse).returns.toEqualTypeOf<number>();
  });

  it('refuses to decorate a field', () => {
    class Wrong {
      // @ts-expect-error a field is not a method
      @circuitBreaker() value = 1;
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });

  it('types call() and the registry', () => {
    const breaker = new CircuitBreaker('typed', { registry: false });
    expectTypeOf(breaker.call((a: number) => a + 1, 1)).toEqualTypeOf<number>();
    // @ts-expect-error wrong argument type
    breaker.call((a: number) => a + 1, 'one');
    expectTypeOf(CircuitBreaker.getAllStates()).toEqualTypeOf<Record<string, CircuitState>>();
    expectTypeOf(breaker.state).toEqualTypeOf<CircuitState>();
  });
});
