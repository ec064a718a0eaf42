import { CircuitBreaker } from './breaker.js';
import {
  type AnyMethodFallback,
  type CircuitBreakerDecorator,
  type CircuitBreakerDecoratorOptions,
  createDecorator,
  isDecoratorContext,
} from './decorators.js';
import { breakerOptionNames, type CircuitBreakerOptions } from './options.js';
import { Registry } from './registry.js';
import { checkKnownKeys, checkName, invalid } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: wraps any function
type AnyFunction = (...args: any[]) => any;
// biome-ignore lint/suspicious/noExplicitAny: any method, generic ones included
type AnyMethod = (this: any, ...args: any) => any;

/** Options of `circuitBreaker(fn, options)`: breaker options typed by `fn`, plus a name. */
export interface CircuitBreakerFunctionOptions<F extends AnyFunction> extends CircuitBreakerOptions<Parameters<F>, ReturnType<F>> {
  /**
   * The breaker's name. Unnamed, it takes `fn.name` (`anonymous` for an anonymous function), followed by
   * `#2`, `#3`... when that name is taken in the registry; give a name to every breaker that uses a `store`.
   * Either way the breaker joins the registry (the default one unless `registry` says otherwise).
   * @default fn.name
   */
  readonly name?: string;
}

/** The wrapped function: the same type as the original, plus the breaker behind it. */
export type CircuitBreakerFunction<F extends AnyFunction> = F & {
  /** The breaker every call of this function goes through. */
  readonly breaker: CircuitBreaker;
};

const wrapOptionNames: ReadonlySet<string> = new Set([...breakerOptionNames, 'name']);

/**
 * Wraps a function in a circuit breaker, or decorates a class method.
 *
 * - `circuitBreaker(fn, options?)` returns a function of the same type: a sync function stays sync,
 *   an async one stays async. `fn.breaker` is the breaker.
 * - `@circuitBreaker` and `@circuitBreaker(options)` decorate a method (standard decorators, or
 *   TypeScript's `experimentalDecorators`); one breaker per method, named `Class.method`.
 *
 * @throws {TypeError | RangeError} for invalid options, naming the option, the value and what is allowed.
 * @example
 * const getUser = circuitBreaker(fetchUser, { name: 'users', failureThreshold: 3, recoveryTimeout: 30_000 });
 *
 * class Payments {
 *   @circuitBreaker({ name: 'payments', fallback: () => ({ status: 'queued' }) })
 *   async charge(id: string) { return api.charge(id); }
 * }
 */
export function circuitBreaker<This, M extends AnyMethod>(method: M, context: ClassMethodDecoratorContext<This, M>): M;
export function circuitBreaker<T>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
): TypedPropertyDescriptor<T>;
export function circuitBreaker<F extends AnyFunction>(fn: F, options?: CircuitBreakerFunctionOptions<F>): CircuitBreakerFunction<F>;
export function circuitBreaker<FB extends AnyMethodFallback | undefined = undefined>(
  options?: CircuitBreakerDecoratorOptions<FB>,
): CircuitBreakerDecorator<FB>;
export function circuitBreaker(first?: unknown, second?: unknown, third?: unknown): unknown {
  if (typeof first === 'function' && isDecoratorContext(second)) return createDecorator()(first as AnyFunction, second as never);
  if (typeof second === 'string' || typeof second === 'symbol') {
    return createDecorator()(first as object, second, third as PropertyDescriptor);
  }
  if (typeof first === 'function') return wrapFunction(first as AnyFunction, second as CircuitBreakerFunctionOptions<AnyFunction>);
  // `circuitBreaker(undefined, options)` is a function that went missing, not decorator options.
  if (second !== undefined) throw invalid('circuitBreaker() first argument', 'a function to wrap', first);
  if (first === undefined || (typeof first === 'object' && first !== null)) {
    return createDecorator(first as CircuitBreakerDecoratorOptions | undefined);
  }
  throw invalid('circuitBreaker() argument', 'a function to wrap, or decorator options', first);
}

function wrapFunction<F extends AnyFunction>(fn: F, options: CircuitBreakerFunctionOptions<F> = {}): CircuitBreakerFunction<F> {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('circuitBreaker()', options, wrapOptionNames);
  const { name, ...breakerOptions } = options;
  if (name !== undefined) checkName('name', name);
  const registry = breakerOptions.registry ?? Registry.default;
  const breaker = new CircuitBreaker(name ?? unnamed(registry, fn.name || 'anonymous'), breakerOptions as CircuitBreakerOptions);
  const wrapped = breaker.wrap(fn);
  Object.defineProperty(wrapped, 'breaker', { value: breaker, enumerable: false });
  return wrapped as CircuitBreakerFunction<F>;
}

/** An unnamed breaker takes `fn.name`, or `fn.name#2`, `#3`... when taken: unnamed functions never share a breaker. */
function unnamed(registry: Registry | false, base: string): string {
  if (registry === false || !registry.has(base)) return base;
  let n = 2;
  while (registry.has(`${base}#${n}`)) n++;
  return `${base}#${n}`;
}
