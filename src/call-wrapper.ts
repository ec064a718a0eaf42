import type { AnyFunction, CallSite } from './call-site.js';
import { type CallRunner, THROW } from './execute.js';

/**
 * The function `breaker.wrap(fn)` returns. It declares no parameters and reads `arguments` without
 * letting it escape: a call needs no argument adaptation and allocates no rest array. Up to three
 * arguments go to {@link CallRunner.invoke} one by one, which calls `fn.call(this, a, b, c)` (no
 * `fn.apply`); more go as an array. `fn` sees exactly the arguments the caller passed. Kept this small
 * so that V8 inlines it, and the runner's hot path into it.
 */
export function createWrapper(runner: CallRunner, site: CallSite): AnyFunction {
  return function wrapped(this: unknown): unknown {
    // biome-ignore-start lint/complexity/noArguments: read in place, never escaping: no rest array, no adaptation
    const n = arguments.length;
    const answer =
      n <= 3
        ? runner.invoke(site, this, undefined, n, arguments[0], arguments[1], arguments[2])
        : runner.run(site, this, Array.prototype.slice.call(arguments));
    // biome-ignore-end lint/complexity/noArguments: see above
    // Thrown here, not inside the runner: unwinding fewer frames makes a rejection while open much cheaper.
    if (answer === THROW) throw runner.takeThrown();
    return answer;
  };
}
