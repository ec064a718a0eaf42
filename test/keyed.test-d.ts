import { describe, expectTypeOf, it } from 'vitest';
import { type KeyedBreakers, keyedCircuitBreaker } from '../src/index.js';

describe('keyedCircuitBreaker (types)', () => {
  it('returns the function type, plus its breakers', () => {
    const call = keyedCircuitBreaker(async (tenant: string, n: number) => `${tenant}${n}`, { key: (tenant) => tenant });
    expectTypeOf(call).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(call).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(call.breakers).toEqualTypeOf<KeyedBreakers>();
  });

  it('types the key function and the fallback by the function', () => {
    keyedCircuitBreaker((_tenant: string, n: number) => n, {
      key: (tenant, n) => {
        expectTypeOf(tenant).toEqualTypeOf<string>();
        expectTypeOf(n).toEqualTypeOf<number>();
        return tenant;
      },
      fallback: (_error, _tenant, n) => n,
    });
    // @ts-expect-error the key must be a string
    keyedCircuitBreaker((n: number) => n, { key: (n) => n });
    // @ts-expect-error the key is required
    keyedCircuitBreaker((n: number) => n, {});
  });
});
