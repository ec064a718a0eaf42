// Legacy decorators (experimentalDecorators): checked by `tsc -p test/legacy-decorators` in `npm run typecheck`.
import { describe, expectTypeOf, it } from 'vitest';
import { circuitBreaker } from '../../src/index.js';

describe('@circuitBreaker types (legacy decorators)', () => {
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

  it('checks the fallback against the method: error first, then the arguments', () => {
    class Users {
      readonly cache = new Map<string, number>();

      @circuitBreaker({
        fallback(this: Users, _error: unknown, id: string) {
          return this.cache.get(id) ?? 0;
        },
      })
      async count(id: string): Promise<number> {
        return id.length;
      }

      @circuitBreaker({ fallback: () => 'n/a' })
      label(): string {
        return 'label';
      }
    }
    expectTypeOf(new Users().count('u1')).toEqualTypeOf<Promise<number>>();
  });

  it('refuses a fallback that returns the wrong type or takes wrong arguments', () => {
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
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });
});
