import { CircuitBreaker, type CircuitBreakerOptions, type Clock } from '../src/index.js';

/** A clock the test moves by hand. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function fakeClock(start = 0): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

export const boom = (): never => {
  throw new Error('boom');
};

export const rejectBoom = async (): Promise<never> => {
  throw new Error('boom');
};

/** A breaker on a fake clock, out of every registry. */
export function makeBreaker(options: CircuitBreakerOptions = {}, name = 'test'): { breaker: CircuitBreaker; clock: FakeClock } {
  const clock = fakeClock();
  const breaker = new CircuitBreaker(name, { registry: false, clock, ...options });
  return { breaker, clock };
}

/** A breaker already opened by `failureThreshold` sync failures. */
export function openBreaker(options: CircuitBreakerOptions = {}): { breaker: CircuitBreaker; clock: FakeClock } {
  const made = makeBreaker(options);
  const threshold = options.failureThreshold ?? 5;
  for (let i = 0; i < threshold; i++) expectThrow(() => made.breaker.call(boom));
  if (made.breaker.state !== 'open') throw new Error(`openBreaker: expected open, got ${made.breaker.state}`);
  return made;
}

export function expectThrow(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A promise with its resolve/reject handles, for calls the test settles by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
