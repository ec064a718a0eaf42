import { boundedDuration } from '../storage/lease.js';
import { type ResolvedSharedCounting, resolveSharedCounting, type SharedCountingOptions } from '../storage/shared-counting.js';
import { checkKnownKeys, checkName, invalid } from '../validate.js';
import type { RedisClient } from './client.js';

/** Options of a `RedisStateStore`. Durations are milliseconds. */
export interface RedisStateStoreOptions {
  /** An ioredis 6 or node-redis 6 client (connected, for node-redis). The store never closes it. */
  readonly client: RedisClient;
  /**
   * A client of the same library for pub/sub. A subscribed connection can run no other command, so
   * by default the store duplicates `client` and closes the duplicate in `close()`.
   * @default client.duplicate()
   */
  readonly subscriber?: RedisClient;
  /**
   * Prefix of every key and of the channel; stores with the same prefix (and Redis) share state.
   * @default 'tripswitch:'
   */
  readonly prefix?: string;
  /**
   * Longest wait for any Redis answer; past it the command counts as failed and breakers decide locally.
   * @default 1000
   */
  readonly commandTimeout?: number;
  /**
   * How often the store re-reads the state of every attached breaker, to catch transitions whose
   * message was missed (a reconnect, a dropped subscriber) and to renew a probe lease in use.
   * @default 5000
   */
  readonly reconcileInterval?: number;
  /**
   * How long the half-open probe lease lasts unless renewed. The holder renews it on every reconcile
   * while its trial calls are under way, so a peer takes over only from a holder that crashed, lost
   * Redis, or has had no call to probe with for this long.
   * Must be more than `reconcileInterval` + `commandTimeout`, so a lease in use never lapses between renewals.
   * @default 15000
   */
  readonly leaseTtl?: number;
  /**
   * The longest a holder keeps renewing its probe lease while one trial runs (a hung trial of a breaker
   * without `halfOpenMaxWait`); past it the lease lapses `leaseTtl` later and a peer may probe.
   * @default 60000
   */
  readonly maxProbeTime?: number;
  /**
   * Shared counting: every process adds its breakers' outcomes (in one command per breaker name every
   * `flushInterval`, none while idle) to totals in Redis, and the fleet opens when the totals break the
   * rule. See {@link SharedCountingOptions} and the README's "Shared counting".
   * @default false
   */
  readonly sharedCounting?: boolean | SharedCountingOptions;
}

/** Options with defaults filled in. */
export interface ResolvedStoreOptions {
  readonly prefix: string;
  readonly commandTimeout: number;
  readonly reconcileInterval: number;
  readonly leaseTtl: number;
  readonly maxProbeTime: number;
  readonly sharedCounting: ResolvedSharedCounting | undefined;
}

const names: ReadonlySet<string> = new Set([
  'client',
  'subscriber',
  'prefix',
  'commandTimeout',
  'reconcileInterval',
  'leaseTtl',
  'maxProbeTime',
  'sharedCounting',
]);

/** Validates the options once, naming the option, the value and what is allowed. */
export function resolveStoreOptions(options: RedisStateStoreOptions): ResolvedStoreOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKnownKeys('RedisStateStore', options, names);
  const o = options as { [K in keyof RedisStateStoreOptions]: unknown };
  const commandTimeout = o.commandTimeout === undefined ? 1000 : boundedDuration('commandTimeout', o.commandTimeout);
  const reconcileInterval = o.reconcileInterval === undefined ? 5000 : boundedDuration('reconcileInterval', o.reconcileInterval);
  // Whole milliseconds: Redis's PEXPIRE takes integers.
  const leaseTtl = Math.ceil(o.leaseTtl === undefined ? 15_000 : boundedDuration('leaseTtl', o.leaseTtl));
  if (leaseTtl <= reconcileInterval + commandTimeout) {
    const rule = `more than \`reconcileInterval\` + \`commandTimeout\` (${reconcileInterval + commandTimeout})`;
    throw invalid('leaseTtl', rule, o.leaseTtl ?? leaseTtl, RangeError);
  }
  return Object.freeze({
    prefix: o.prefix === undefined ? 'tripswitch:' : checkName('prefix', o.prefix),
    commandTimeout,
    reconcileInterval,
    leaseTtl,
    maxProbeTime: o.maxProbeTime === undefined ? 60_000 : boundedDuration('maxProbeTime', o.maxProbeTime),
    sharedCounting: resolveSharedCounting(o.sharedCounting),
  });
}
