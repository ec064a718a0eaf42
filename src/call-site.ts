// biome-ignore lint/suspicious/noExplicitAny: a call site holds any function
export type AnyFunction = (...args: any[]) => any;

/**
 * One function run through a breaker, with what its calls have shown of its shape, so that a call
 * the breaker rejects answers in the shape the caller expects (see `CallRunner`).
 */
export interface CallSite {
  readonly fn: AnyFunction;
  /** Declared `async`, or has returned a thenable. */
  async: boolean;
  /** Has answered synchronously: returned a plain value or thrown (and is not known to be async). */
  sync: boolean;
  /**
   * `'sync'`/`'async'` for a declared generator function: its call only hands out an iterator, so the
   * breaker admits or rejects the call and records no outcome for it.
   */
  readonly generator: 'sync' | 'async' | undefined;
  /**
   * An arrow function: it ignores the `this` it is called with, so the runner calls it as `fn(a)` even
   * when the wrapper was called as a method (cheaper than `fn.call(this, a)`).
   */
  readonly arrow: boolean;
}

/** A site for `fn`, async from the start when `fn` is declared `async`. */
export function createCallSite(fn: AnyFunction): CallSite {
  const tag = (fn as unknown as Record<symbol, unknown>)[Symbol.toStringTag];
  const generator = tag === 'GeneratorFunction' ? 'sync' : tag === 'AsyncGeneratorFunction' ? 'async' : undefined;
  return { fn, async: tag === 'AsyncFunction', sync: false, generator, arrow: isArrow(fn, tag) };
}

// An arrow's source text starts with its parameters: `(`, or a name and `=>` (after `async` for an async
// arrow). A method's starts with its name and `(` (one named `async` is no AsyncFunction), a function's or a
// class's with `function`/`class`, a bound or native one's with `function`: none of them matches.
const arrowStart = /^(?:\(|[^\s(=]+\s*=>)/;
const asyncArrowStart = /^async\s*(?:\(|[^\s(=]+\s*=>)/;

/** Whether `fn` is an arrow function (`false` when unsure: then `this` is passed on as always). */
function isArrow(fn: AnyFunction, tag: unknown): boolean {
  if (tag !== undefined && tag !== 'AsyncFunction') return false; // generators, or a tag set by hand
  return (tag === undefined ? arrowStart : asyncArrowStart).test(Function.prototype.toString.call(fn));
}

/** Whether `value` has a callable `then` (reading it may throw: callers keep this inside their `try`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What a rejected call of a generator function answers: an iterator that throws `error` when first read. */
export function throwingIterator(kind: 'sync' | 'async', error: unknown): Generator<never> | AsyncGenerator<never> {
  return kind === 'async' ? throwingAsync(error) : throwingSync(error);
}

// biome-ignore lint/correctness/useYield: it only throws, on the first next()
function* throwingSync(error: unknown): Generator<never> {
  throw error;
}

// biome-ignore lint/correctness/useYield: it only rejects, on the first next()
async function* throwingAsync(error: unknown): AsyncGenerator<never> {
  throw error;
}
