import { CircuitBreaker } from './breaker.js';
import { type Claim, captureSite, claimBreaker, defaultName } from './decorator-names.js';
import { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
import type { FailureDetector } from './detectors/detector.js';
import { keepIdentity } from './method-identity.js';
import { breakerOptionNames, type CircuitBreakerOptions, resolveOptions } from './options.js';
import { Registry } from './registry.js';
import { checkKnownKeys, checkName, invalid } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: decorated methods take any arguments
type Method = (this: any, ...args: any[]) => any;
// biome-ignore lint/suspicious/noExplicitAny: any method, generic ones included (their type parameters stay unresolved)
type AnyMethod = (this: any, ...args: any) => any;

/**
 * The fallback of a decorated method: called with the method's `this`, the error that stopped the call,
 * then the call's arguments; it returns what the method returns (for an async method, the value or a
 * promise of it).
 */
export type MethodFallback<This, Args extends readonly unknown[], Return> = (
  this: This,
  error: unknown,
  ...args: Args
) => Return | Awaited<Return>;

/** Any decorator fallback, before it meets the method it is checked against. */
// biome-ignore lint/suspicious/noExplicitAny: checked against the decorated method by CircuitBreakerDecorator
export type AnyMethodFallback = (this: any, error: unknown, ...args: any[]) => unknown;

/** Options of the `@circuitBreaker(...)` method decorator; `FB` is the type of its `fallback`. */
export interface CircuitBreakerDecoratorOptions<FB extends AnyMethodFallback | undefined = AnyMethodFallback | undefined>
  extends Omit<CircuitBreakerOptions, 'fallback'> {
  /**
   * The breaker's name in the registry. Methods that give the same `name` share one breaker (their
   * options must agree). Required for `#private` methods where the runtime has no decorator metadata.
   * @default `DeclaringClass.method`
   */
  readonly name?: string;
  /**
   * One breaker per object instead of one per method shared by all instances. Per-instance breakers
   * join no registry and take no `store` (every object's breaker would carry one name and become fleet
   * peers). Give `detector` as a name or a factory here, so each breaker builds its own.
   * @default false
   */
  readonly perInstance?: boolean;
  /**
   * Called instead of the method when the breaker rejects a call (and, with `fallbackOn: 'any'`, when it
   * fails); TypeScript checks it against the method: `(this, error, ...args) => Return | Awaited<Return>`.
   */
  readonly fallback?: FB;
}

/** Makes the decorator call fail to type-check, with a readable reason, when the fallback does not fit the method. */
type FallbackFits<FB, This, M extends AnyMethod> = [FB] extends [undefined]
  ? unknown
  : [AnyMethodFallback] extends [FB]
    ? unknown // options typed ahead as CircuitBreakerDecoratorOptions: the fallback's own type is not known here
    : [FB] extends [MethodFallback<This, Parameters<M>, ReturnType<M>> | undefined]
      ? unknown
      : { readonly 'the fallback must have the type': MethodFallback<This, Parameters<M>, ReturnType<M>> };

/**
 * A method decorator that works in both dialects: standard (TC39) decorators, and TypeScript's legacy
 * `experimentalDecorators` (NestJS and friends). The method keeps its type (generic methods included).
 */
export interface CircuitBreakerDecorator<FB extends AnyMethodFallback | undefined = undefined> {
  <This, M extends AnyMethod>(method: M, context: ClassMethodDecoratorContext<This, M> & FallbackFits<FB, This, M>): M;
  <Target extends object, T>(
    target: Target,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T> & (T extends AnyMethod ? FallbackFits<FB, Target, T> : unknown),
  ): TypedPropertyDescriptor<T>;
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

/** A class, as far as naming needs one. */
type ClassLike = { readonly name: string };

/** What a binder knows about the method it replaces. */
interface Site {
  readonly key: string | symbol;
  /** The declaring class, when the dialect tells it at definition (legacy); else found from `this`. */
  readonly owner: ClassLike | undefined;
  /** Standard decorators: the class's decorator metadata object, which finds the class of a `#private` method. */
  readonly metadata: object | undefined;
  readonly isPrivate: boolean;
  readonly isStatic: boolean;
  readonly location: string;
}

/** Builds the decorator for `@circuitBreaker(options)`; validates the options once, here. */
export function createDecorator<FB extends AnyMethodFallback | undefined = undefined>(
  options: CircuitBreakerDecoratorOptions<FB> = {},
): CircuitBreakerDecorator<FB> {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('@circuitBreaker', options, decoratorOptionNames);
  const { name, perInstance = false, ...rest } = options;
  // Core passes a fallback its (error, ...args); the decorator's type checks it against the method above.
  const breakerOptions = rest as CircuitBreakerOptions;
  if (name !== undefined) checkName('name', name);
  if (typeof perInstance !== 'boolean') throw invalid('perInstance', 'a boolean', perInstance);
  if (perInstance && typeof breakerOptions.detector === 'object' && breakerOptions.detector !== null) {
    throw new TypeError(
      '`perInstance: true` needs a `detector` name or factory (`({ clock }) => detector`), not one instance for every object',
    );
  }
  if (perInstance && breakerOptions.store !== undefined) {
    throw new TypeError(
      '`perInstance: true` cannot be combined with `store`: the breakers of every object, all of one name, would open together; drop `perInstance`, or give each object `new CircuitBreaker(distinctName, { store })`',
    );
  }
  // Validates every option now rather than at the first call. The user's detector factory runs once per
  // breaker, never for validation alone: a stand-in factory takes its place here.
  const { detector } = breakerOptions;
  resolveOptions(typeof detector === 'function' ? { ...breakerOptions, detector: validationDetector } : breakerOptions);

  const bind = perInstance ? perInstanceBinder(name, breakerOptions) : sharedBinder(name, breakerOptions);
  function decorator(target: unknown, key: unknown, descriptor?: unknown): unknown {
    if (isDecoratorContext(key)) {
      if (key.kind !== 'method') {
        throw new TypeError(`@circuitBreaker decorates methods, not the ${key.kind} ${String(key.name ?? '')}`.trim());
      }
      const context = key as ClassMethodDecoratorContext;
      const metadata = (context as { metadata?: unknown }).metadata;
      const site: Site = {
        key: context.name,
        owner: undefined,
        metadata: typeof metadata === 'object' && metadata !== null ? metadata : undefined,
        isPrivate: context.private,
        isStatic: context.static,
        location: captureSite(),
      };
      if (name === undefined && site.isPrivate && site.metadata === undefined) {
        throw new TypeError(
          `@circuitBreaker on the private method ${String(context.name)} needs a \`name\`: without decorator metadata (Symbol.metadata) its declaring class is unknown`,
        );
      }
      const replacement = bind(target as Method, site);
      context.addInitializer(function (this: unknown) {
        replacement.prepare(this);
      });
      return replacement.method;
    }
    if ((typeof key === 'string' || typeof key === 'symbol') && typeof descriptor === 'object' && descriptor !== null) {
      const d = descriptor as PropertyDescriptor;
      if (typeof d.value !== 'function') throw new TypeError(`@circuitBreaker decorates methods, not ${String(key)}`);
      const isStatic = typeof target === 'function';
      const owner = isStatic ? target : (target as object).constructor;
      const site: Site = { key, owner, metadata: undefined, isPrivate: false, isStatic, location: captureSite() };
      const replacement = bind(d.value as Method, site);
      replacement.prepare(target);
      d.value = replacement.method;
      return d;
    }
    throw new TypeError('@circuitBreaker must decorate a class method');
  }
  return decorator as CircuitBreakerDecorator<FB>;
}

interface Replacement {
  readonly method: Method;
  /** Creates the shared breaker early (at class definition or first construction) so the registry lists it. */
  prepare(self: unknown): void;
}

type Binder = (method: Method, site: Site) => Replacement;

function sharedBinder(name: string | undefined, options: CircuitBreakerOptions): Binder {
  const { registry: chosen, ...rest } = options;
  return (original, site) => {
    let wrapped: Method | undefined;
    const prepare = (self: unknown): Method => {
      if (wrapped !== undefined) return wrapped;
      const label = defaultName(declaringClass(self, site, replacement.method).name, site.key);
      const breakerName = name ?? label;
      const registry = chosen ?? Registry.default;
      let breaker: CircuitBreaker;
      if (registry === false) breaker = new CircuitBreaker(breakerName, options);
      else {
        const claim: Claim = { owner: { label, site: site.location }, options: rest, explicit: name !== undefined };
        breaker = claimBreaker(registry, breakerName, claim, () => registry.getOrCreate(breakerName, rest));
      }
      wrapped = breaker.wrap(original);
      return wrapped;
    };
    const replacement: Replacement = {
      method: keepIdentity(original, function (this: unknown, ...args: unknown[]) {
        return (wrapped ?? prepare(this)).apply(this, args);
      }),
      prepare,
    };
    return replacement;
  };
}

function perInstanceBinder(name: string | undefined, options: CircuitBreakerOptions): Binder {
  return (original, site) => {
    const byInstance = new WeakMap<object, Method>();
    const replacement: Replacement = {
      method: keepIdentity(original, function (this: unknown, ...args: unknown[]) {
        if ((typeof this !== 'object' && typeof this !== 'function') || this === null) {
          throw new TypeError(
            `@circuitBreaker({ perInstance: true }) ${String(site.key)} was called without its object (\`this\` is ${String(this)}); bind it: obj.${String(site.key)}.bind(obj)`,
          );
        }
        let wrapped = byInstance.get(this);
        if (wrapped === undefined) {
          const breakerName = name ?? defaultName(declaringClass(this, site, replacement.method).name, site.key);
          // No registry and no store: the breaker lives and dies with its object.
          wrapped = new CircuitBreaker(breakerName, { ...options, registry: false }).wrap(original);
          byInstance.set(this, wrapped);
        }
        return wrapped.apply(this, args);
      }),
      prepare: () => {},
    };
    return replacement;
  };
}

const metadataKeys: readonly symbol[] = [
  ...(typeof (Symbol as { metadata?: unknown }).metadata === 'symbol' ? [(Symbol as unknown as { metadata: symbol }).metadata] : []),
  Symbol.for('Symbol.metadata'),
];

/**
 * The class that declares the method: given by legacy decorators; found from `this` (an instance, or the
 * class for statics) for standard ones, walking up the prototype chain, so a subclass built first still
 * names the declaring class. A `#private` method is found through the class's decorator metadata.
 * @throws {TypeError} when it cannot be found (then a `name` is needed).
 */
function declaringClass(self: unknown, site: Site, method: Method): ClassLike {
  if (site.owner !== undefined) return site.owner;
  if (site.metadata !== undefined) {
    let klass: unknown = typeof self === 'function' ? self : (self as object | null | undefined)?.constructor;
    while (typeof klass === 'function') {
      const own = klass;
      if (metadataKeys.some((k) => Object.hasOwn(own, k) && (own as unknown as Record<symbol, unknown>)[k] === site.metadata)) return own;
      klass = Object.getPrototypeOf(klass);
    }
  }
  if (!site.isPrivate) {
    let holder: unknown = self;
    while (holder !== null && holder !== undefined) {
      if (Object.getOwnPropertyDescriptor(holder, site.key)?.value === method) {
        return typeof holder === 'function' ? holder : (holder as object).constructor;
      }
      holder = Object.getPrototypeOf(holder);
    }
  }
  throw new TypeError(
    `@circuitBreaker could not find the class that declares ${String(site.key)} from \`this\` (${String(self)}); give the decorator a \`name\``,
  );
}
