// Decorated classes, compiled in both dialects (standard, and experimentalDecorators) by test/package-types.test.ts.
import { circuitBreaker } from 'tripswitch';
import { assertType } from './consumer.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export class Users {
  readonly cache = new Map<string, number>();

  @circuitBreaker()
  get<T>(key: string, value: T): T {
    return key === '' ? value : value;
  }

  @circuitBreaker({
    fallback(this: Users, _error: unknown, id: string) {
      return this.cache.get(id) ?? 0;
    },
  })
  async count(id: string): Promise<number> {
    return id.length;
  }

  // @ts-expect-error a fallback returning a string for Promise<number>
  @circuitBreaker({ fallback: () => 'oops' })
  async total(): Promise<number> {
    return 1;
  }

  // @ts-expect-error the argument after the error is a string
  @circuitBreaker({ fallback: (_error: unknown, id: number) => id })
  find(id: string): number {
    return id.length;
  }
}

assertType<Equal<ReturnType<Users['count']>, Promise<number>>>();
assertType<Equal<ReturnType<typeof Users.prototype.get<boolean>>, boolean>>();
