import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type StateChangeEvent } from '../../src/index.js';
import { type IORedisClient, RedisStateStore, type RedisStoreError } from '../../src/redis/index.js';
import { deleteKeys, requireRedis, uniquePrefix, waitFor } from './helpers.js';

// Shared counting under the fleet rules of issue 14: a fleet trip is an open like any other (change counter,
// version, message), batch markers and counts read from Redis are validated, and a name attached again in
// the same store never has its batches taken for ones already applied.

const available = await requireRedis();
const runPrefix = uniquePrefix('counting-rules');
const clients: Redis[] = [];

afterAll(async () => {
  for (const client of clients) client.disconnect();
  if (available) await deleteKeys(runPrefix);
});

let counter = 0;
const prefixFor = () => `${runPrefix}{r${++counter}}:`;

const fail = () => {
  throw new Error('down');
};

function client(): Redis {
  const c = new Redis();
  clients.push(c);
  return c;
}

/** A subscriber connection that never delivers a message: its store learns only through reconciles. */
function deafSubscriber(): IORedisClient {
  const c = new Redis({ maxRetriesPerRequest: null });
  clients.push(c);
  return new Proxy(c, {
    get(target, prop) {
      if (prop === 'on') return (event: string, listener: () => void) => (event === 'message' ? target : target.on(event, listener));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as IORedisClient;
}

interface Member {
  readonly store: RedisStateStore;
  readonly breaker: CircuitBreaker;
  readonly errors: RedisStoreError[];
  readonly events: StateChangeEvent[];
}

function member(prefix: string, options: { failureThreshold?: number; reconcileInterval?: number; deaf?: boolean } = {}): Member {
  const store = new RedisStateStore({
    client: client(),
    ...(options.deaf === true ? { subscriber: deafSubscriber() } : {}),
    prefix,
    reconcileInterval: options.reconcileInterval ?? 60_000,
    leaseTtl: (options.reconcileInterval ?? 60_000) + 5000,
    commandTimeout: 500,
    sharedCounting: { failureThreshold: options.failureThreshold ?? 4, window: 10_000, flushInterval: 50 },
  });
  const errors: RedisStoreError[] = [];
  store.on('error', (e) => errors.push(e));
  const breaker = new CircuitBreaker('shared', { store, registry: false, failureThreshold: 100, recoveryTimeout: 30_000 });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => events.push(e));
  return { store, breaker, errors, events };
}

function failOn(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) expect(() => breaker.call(fail)).toThrow('down');
}

async function countsOf(redis: Redis, prefix: string): Promise<[number, number]> {
  const counts = await redis.hgetall(`${prefix}breaker:shared:counts`);
  let failures = 0;
  let calls = 0;
  for (const [field, value] of Object.entries(counts)) {
    if (field.startsWith('f')) failures += Number(value);
    if (field.startsWith('n')) calls += Number(value);
  }
  return [failures, calls];
}

describe.skipIf(!available)('RedisStateStore sharedCounting under the fleet rules', () => {
  it('moves the change counter on a fleet trip, so a store that missed the message opens at its next reconcile', async () => {
    const prefix = prefixFor();
    const a = member(prefix);
    const b = member(prefix, { reconcileInterval: 100, deaf: true });
    try {
      await Promise.all([a.store.sync(), b.store.sync()]);
      failOn(a.breaker, 4);
      await waitFor('a to open', () => a.breaker.state === 'open', 3000);
      await waitFor('b to open through its reconcile', () => b.breaker.state === 'open', 3000);
      expect(b.events.map((e) => [e.to, e.reason])).toEqual([['open', 'remote']]);
      expect(b.breaker.status().timeUntilRecoveryMs).toBeGreaterThan(25_000);
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });

  it('takes news from a count reply like from any read: a store whose flush finds the circuit open opens', async () => {
    const prefix = prefixFor();
    const a = member(prefix);
    // No message and no reconcile within the test: only its count replies can tell b.
    const b = member(prefix, { deaf: true });
    try {
      await Promise.all([a.store.sync(), b.store.sync()]);
      failOn(a.breaker, 4);
      await waitFor('a to open', () => a.breaker.state === 'open', 3000);
      expect(b.breaker.state).toBe('closed');
      failOn(b.breaker, 1); // counted; its flush answers 'skipped': the circuit is open
      await waitFor('b to open from its count reply', () => b.breaker.state === 'open', 3000);
      expect(b.events.map((e) => [e.to, e.reason])).toEqual([['open', 'remote']]);
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });

  it('keeps counting a name detached and attached again in the same store (batch numbers never restart)', async () => {
    const prefix = prefixFor();
    const redis = client();
    const store = new RedisStateStore({
      client: client(),
      prefix,
      reconcileInterval: 60_000,
      leaseTtl: 65_000,
      sharedCounting: { failureThreshold: 4, window: 10_000, flushInterval: 50 },
    });
    const errors: RedisStoreError[] = [];
    store.on('error', (e) => errors.push(e));
    try {
      const first = new CircuitBreaker('shared', { store, registry: false, failureThreshold: 100 });
      failOn(first, 2);
      await waitFor('the first batch to land', async () => (await countsOf(redis, prefix))[0] === 2, 3000);
      first.dispose();
      const second = new CircuitBreaker('shared', { store, registry: false, failureThreshold: 100 });
      failOn(second, 2);
      await waitFor('the fleet to open', () => second.state === 'open', 3000);
      expect(errors).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('overwrites a foreign batch marker (reported once) instead of letting it silence the store', async () => {
    const prefix = prefixFor();
    const a = member(prefix);
    const redis = client();
    try {
      await a.store.sync();
      const marker = `${prefix}breaker:shared:sent:${a.store.id}`;
      await redis.set(marker, '900000000000');
      failOn(a.breaker, 4);
      await waitFor('the fleet to open', () => a.breaker.state === 'open', 3000);
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_TRIPSWITCH_REDIS_MALFORMED']);
      expect(a.errors[0]?.message).toContain(`key "${marker}"`);
    } finally {
      await a.store.close();
    }
  });

  it('starts the count afresh over a foreign count field (reported once) instead of failing every flush', async () => {
    const prefix = prefixFor();
    const a = member(prefix);
    const redis = client();
    try {
      await a.store.sync();
      const [seconds, micros] = await redis.time();
      const bucket = Math.floor((Number(seconds) * 1000 + Number(micros) / 1000) / 1000);
      const fields: Record<string, string> = { e: '0' };
      for (let i = bucket - 1; i <= bucket + 3; i++) fields[`f${i}`] = 'many';
      await redis.hset(`${prefix}breaker:shared:counts`, fields);
      failOn(a.breaker, 4);
      await waitFor('the fleet to open', () => a.breaker.state === 'open', 3000);
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_TRIPSWITCH_REDIS_MALFORMED']);
      expect(a.errors[0]?.message).toContain(`key "${prefix}breaker:shared:counts"`);
    } finally {
      await a.store.close();
    }
  });
});
