import { CircuitBreaker } from './breaker.js';
import { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
import type { FailureDetector } from './detectors/detector.js';
import { breakerOptionNames, type CircuitBreakerOptions, resolveOptions } from './options.js';
import { Registry } from './registry.js';
import { checkKnownKeys, checkName, invalid } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: decorated methods take any arguments
type Method = (this: any, ...args: any[]) => any;

/** Options of the `@circuitBreaker(...)` method decorator. */
export interface CircuitBreakerDecoratorOptions extends CircuitBreakerOptions {
  /**
   * The breaker's name in the registry.
   * @default `ClassName.methodName`
   */
  readonly name?: string;
  /**
   * One breaker per object instead of one per method shared by all instances. Per-instance breakers
   * do not join a registry (their names would collide). Give `detector` as a name or a factory here, so
   * each breaker builds its own.
   * @default false
   */
  readonly perInstance?: boolean;
}

/**
 * A method decorator that works in both dialects: standard (TC39) decorators, and TypeScript's legacy
 * `experimentalDecorators` (NestJS and friends).
 */
export interface CircuitBreakerDecorator {
  <This, Args extends unknown[], Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return;
  <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T>;
}

const decoratorOptionNames: ReadonlySet<string> = new Set([...breakerOptionNames, 'name', 'perInstance']);

const validationDetector = (): FailureDetector => new ConsecutiveFailuresDetector({ failureThreshold: 1 });

/** Whether `value` is the context object of a standard decorator. */
export function isDecoratorContext(value: unknown): value is DecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

/** Builds the decorator for `@circuitBreaker(options)`; validates the options once, here. */
export function createDecorator(options: CircuitBreakerDecoratorOptions = {}): CircuitBreakerDecorator {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('@circuitBreaker', options, decoratorOptionNames);
  const { name, perInstance = false, ...breakerOptions } = options;
  if (name !== undefined) checkName('name', name);
  if (typeof perInstance !== 'boolean') throw invalid('perInstance', 'a boolean', perInstance);
  if (perInstance && typeof breakerOptions.detector === 'object' && breakerOptions.detector !== null) {
    throw new TypeError(
      'A `detector` instance cannot be combined with `perInstance: true`: it would be shared by every object; pass a name or a factory (`({ clock }) => detector`) instead',
    );
  }
  // Validates every option now rather than at the first call. The user's detector factory runs once per
  // breaker, never for validation alone: a stand-in factory takes its place here.
  const { detector } = breakerOptions;
  resolveOptions(typeof detector === 'function' ? { ...breakerOptions, detector: validationDetector } : breakerOptions);

  const binder = perInstance ? perInstanceBinder(name, breakerOptions) : sharedBinder(name, breakerOptions);
  function decorator(target: unknown, key: unknown, descriptor?: unknown): unknown {
    if (isDecoratorContext(key)) {
      if (key.kind !== 'method') {
        throw new TypeError(`@circuitBreaker decorates methods, not the ${key.kind} ${String(key.name ?? '')}`.trim());
      }
      const context = key as ClassMethodDecoratorContext;
      const replacement = binder(target as Method, String(context.name), undefined);
      if (!perInstance) {
        context.addInitializer(function (this: unknown) {
          replacement.prepare(this);
        });
      }
      return replacement.method;
    }
    if ((typeof key === 'string' || typeof key === 'symbol') && typeof descriptor === 'object' && descriptor !== null) {
      const d = descriptor as PropertyDescriptor;
      if (typeof d.value !== 'function') throw new TypeError(`@circuitBreaker decorates methods, not ${String(key)}`);
      const className = typeof target === 'function' ? target.name : (target as object).constructor.name;
      const replacement = binder(d.value as Method, String(key), className);
      d.value = replacement.method;
      return d;
    }
    throw new TypeError('@circuitBreaker must decorate a class method');
  }
  return decorator as CircuitBreakerDecorator;
}

interface Replacement {
  readonly method: Method;
  /** Creates the shared breaker early (at class definition or first construction) so the registry lists it. */
  prepare(self: unknown): void;
}

type Binder = (method: Method, methodName: string, className: string | undefined) => Replacement;

function sharedBinder(name: string | undefined, options: CircuitBreakerOptions): Binder {
  const { registry: chosen, ...rest } = options;
  return (original, methodName, className) => {
    let wrapped: Method | undefined;
    const prepare = (self: unknown): Method => {
      if (wrapped !== undefined) return wrapped;
      const breakerName = name ?? `${className ?? ownerName(self, methodName, replacement.method)}.${methodName}`;
      const registry = chosen ?? Registry.default;
      const breaker = registry === false ? new CircuitBreaker(breakerName, options) : registry.getOrCreate(breakerName, rest);
      wrapped = breaker.wrap(original);
      return wrapped;
    };
    const replacement: Replacement = {
      method: function (this: unknown, ...args: unknown[]) {
        return (wrapped ?? prepare(this)).apply(this, args);
      },
      prepare,
    };
    if (className !== undefined) prepare(undefined);
    return replacement;
  };
}

function perInstanceBinder(name: string | undefined, options: CircuitBreakerOptions): Binder {
  return (original, methodName, className) => {
    const byInstance = new WeakMap<object, Method>();
    const replacement: Replacement = {
      method: function (this: object, ...args: unknown[]) {
        let wrapped = byInstance.get(this);
        if (wrapped === undefined) {
          const breakerName = name ?? `${className ?? ownerName(this, methodName, replacement.method)}.${methodName}`;
          wrapped = new CircuitBreaker(breakerName, { ...options, registry: false }).wrap(original);
          byInstance.set(this, wrapped);
        }
        return wrapped.apply(this, args);
      },
      prepare: () => {},
    };
    return replacement;
  };
}

/**
 * The name of the class that declares `method` as `key`: walks from an instance (or a class, for
 * statics) up the prototype chain, so a subclass instance still names the declaring class.
 */
function ownerName(self: unknown, key: string, method: Method): string {
  let holder: unknown = self;
  while (holder !== null && holder !== undefined) {
    if (Object.getOwnPropertyDescriptor(holder, key)?.value === method) {
      return typeof holder === 'function' ? holder.name : (holder as object).constructor.name;
    }
    holder = Object.getPrototypeOf(holder);
  }
  return typeof self === 'function' ? self.name : ((self as object | undefined)?.constructor?.name ?? 'anonymous');
}
