// biome-ignore lint/suspicious/noExplicitAny: a call site holds any function
export type AnyFunction = (...args: any[]) => any;

/** One function run through a breaker: remembers whether it has answered asynchronously, to shape rejections alike. */
export interface CallSite {
  readonly fn: AnyFunction;
  async: boolean;
}

/** A site for `fn`, async from the start when `fn` is declared `async`. */
export function createCallSite(fn: AnyFunction): CallSite {
  const tag = (fn as unknown as Record<symbol, unknown>)[Symbol.toStringTag];
  return { fn, async: tag === 'AsyncFunction' || tag === 'AsyncGeneratorFunction' };
}

/** Whether `value` has a callable `then` (reading it may throw: callers keep this inside their `try`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
  );
}
