import { type CircuitBreakerOptions, validateOptions } from './options.js';
import { checkName, invalid } from './validate.js';

// Presets are built before the function they will wrap is known; `any` lets one preset fit any function.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyArgs = any[];
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyResult = any;

/**
 * Options a preset accepts: any breaker option, overriding the preset's. The fallback and predicates
 * are loosely typed because a preset is built before the function it will wrap is known.
 */
export type PresetInput = CircuitBreakerOptions<AnyArgs, AnyResult>;

/**
 * Options a preset returns: breaker options plus the name, ready for `circuitBreaker(fn, preset)`,
 * `@circuitBreaker(preset)` or `registry.getOrCreate(preset.name, preset)`.
 */
export type PresetOptions<Args extends readonly unknown[] = AnyArgs, Result = AnyResult> = CircuitBreakerOptions<Args, Result> & {
  readonly name: string;
};

/**
 * Per-call timeouts each preset asks for, in milliseconds. They are passed to the breaker as its
 * `timeout` option only when this build of the breaker accepts one; until then they are documentation.
 */
export const presetTimeouts = Object.freeze({
  /** A remote HTTP API: long enough for a slow but healthy answer, short enough to free the caller. */
  externalService: 10_000,
  /** A query: most finish in milliseconds; one still running after 5 s is holding a connection. */
  databaseOperation: 5_000,
  /** A cache read must be much faster than the source it protects, or it is not worth waiting for. */
  cacheOperation: 500,
  /** A publish is acknowledged in milliseconds by a healthy broker. */
  messageQueue: 5_000,
} as const);

function preset(name: string, defaults: CircuitBreakerOptions, timeout: number, options: PresetInput | undefined): PresetOptions {
  checkName('name', name);
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalid('options', 'an object', options);
  const merged = Object.freeze({ ...defaults, timeout, ...options, name }) as PresetOptions;
  // Refused here, where the preset is written, rather than where the breaker is built from it.
  validateOptions(merged, name);
  return merged;
}

/**
 * Preset for a remote HTTP API or SaaS: opens after 5 consecutive failures (one blip is not an
 * outage), waits 30 s before a trial (most provider incidents outlast seconds), and needs 2 good trials
 * to close. Add a `fallback` for a degraded answer. Your options win over the preset's.
 * @example
 * const getRates = circuitBreaker(fetchRates, externalService('rates-api', { fallback: () => cachedRates }));
 * class Payments { @circuitBreaker(externalService('stripe')) async charge(id: string) { ... } }
 */
export function externalService(name: string, options?: PresetInput): PresetOptions {
  return preset(name, { failureThreshold: 5, successThreshold: 2, recoveryTimeout: 30_000 }, presetTimeouts.externalService, options);
}

/**
 * Preset for database calls: opens after 3 consecutive failures (a database that fails three times in a
 * row is usually down or failing over, and piling queries on it slows recovery), retries after 10 s
 * (a failover takes seconds), and closes after 1 good trial. Pass `isFailure` or `ignoreErrors` so that
 * query errors (constraint violations, bad input) do not count as the database failing.
 * @example
 * const findUser = circuitBreaker(db.findUser, databaseOperation('users-db', { ignoreErrors: [UniqueViolation] }));
 */
export function databaseOperation(name: string, options?: PresetInput): PresetOptions {
  return preset(name, { failureThreshold: 3, successThreshold: 1, recoveryTimeout: 10_000 }, presetTimeouts.databaseOperation, options);
}

/** Options of {@link cacheOperation}: breaker options plus `fallbackToNull`. */
export interface CacheOperationOptions extends PresetInput {
  /**
   * Answer `null` (a cache miss) when the cache fails or the breaker is open, so the caller falls
   * through to the source instead of seeing an error.
   * @default true
   */
  readonly fallbackToNull?: boolean;
}

/**
 * Preset for a cache: opens after 3 consecutive failures, retries after 5 s (a cache is cheap to probe)
 * and closes after 1 good trial. With `fallbackToNull` (the default) every failure or rejection answers
 * `null`, a cache miss, never an error.
 * @example
 * const cached = circuitBreaker((key: string) => redis.get(key), cacheOperation('sessions-cache'));
 * const session = (await cached(id)) ?? (await loadSession(id));
 */
export function cacheOperation(name: string, options: CacheOperationOptions = {}): PresetOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  const { fallbackToNull = true, ...rest } = options;
  if (typeof fallbackToNull !== 'boolean') throw invalid('fallbackToNull', 'a boolean', fallbackToNull);
  const defaults: CircuitBreakerOptions = { failureThreshold: 3, successThreshold: 1, recoveryTimeout: 5_000 };
  const miss: CircuitBreakerOptions = fallbackToNull ? { ...defaults, fallback: () => null, fallbackOn: 'any' } : defaults;
  return preset(name, miss, presetTimeouts.cacheOperation, rest);
}

/**
 * Preset for publishing to a message broker: opens after 5 consecutive failures, retries after 15 s
 * (brokers restart or rebalance in seconds) and needs 2 good trials to close. Pair it with a `fallback`
 * that stores the message locally for a later retry.
 * @example
 * const publish = circuitBreaker(producer.send, messageQueue('orders-topic', { fallback: (_error, msg) => outbox.push(msg) }));
 */
export function messageQueue(name: string, options?: PresetInput): PresetOptions {
  return preset(name, { failureThreshold: 5, successThreshold: 2, recoveryTimeout: 15_000 }, presetTimeouts.messageQueue, options);
}
