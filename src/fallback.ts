import { isThenable } from './call-site.js';

/**
 * Runs `fallback(error, ...args)` with the call's `this`: the error always comes first, whatever the
 * number of arguments the caller passed. For an async answer its result becomes a promise. A fallback
 * that throws (or rejects) surfaces its own error, given the original `error` as `cause`.
 */
export function runFallback(
  fallback: (error: unknown, ...args: unknown[]) => unknown,
  thisArg: unknown,
  args: readonly unknown[],
  error: unknown,
  async: boolean,
): unknown {
  let value: unknown;
  try {
    value = fallback.apply(thisArg, [error, ...args]);
  } catch (fallbackError) {
    const surfaced = withCause(fallbackError, error);
    if (async) return Promise.reject(surfaced);
    throw surfaced;
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(undefined, (fallbackError: unknown) => {
      throw withCause(fallbackError, error);
    });
  }
  return async ? Promise.resolve(value) : value;
}

/** Gives a fallback's own error the original failure as `cause`, unless it already has one (or cannot take one). */
function withCause(error: unknown, cause: unknown): unknown {
  if (typeof error === 'object' && error !== null && !Object.hasOwn(error, 'cause') && Object.isExtensible(error)) {
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  }
  return error;
}
