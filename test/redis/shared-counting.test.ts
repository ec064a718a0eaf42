import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type StateChangeEvent } from '../../src/index.js';
import { RedisStateStore, type RedisStoreError } from '../../src/redis/index.js';
import { type ClientKind, clientKinds, deleteKeys, PrivateRedis, requireRedis, type TestClient, uniquePrefix, waitFor } from './helpers.js';

const available = await requireRedis();
const runPrefix = uniquePrefix('counting');

afterAll(async () => {
  if (available) await deleteKeys(runPrefix);
});

const fail = () => {
  throw new Error('down');
};

interface Instance {
  readonly breaker: CircuitBreaker;
  readonly store: RedisStateStore;
  readonly client: TestClient;
  readonly errors: RedisStoreError[];
  readonly events: StateChangeEvent[];
}

async function instance(kind: ClientKind, prefix: string, flushInterval = 100, port = 6379): Promise<Instance> {
  const client = await kind.create(port);
  const store = new RedisStateStore({
    client: client.client,
    prefix,
    reconcileInterval: 60_000,
    leaseTtl: 65_000,
    commandTimeout: 500,
    sharedCounting: { failureThreshold: 6, window: 10_000, flushInterval },
  });
  const errors: RedisStoreError[] = [];
  store.on('error', (e) => errors.push(e));
  const breaker = new CircuitBreaker('shared', { store, registry: false, failureThreshold: 5, recoveryTimeout: 30_000 });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => events.push(e));
  await store.sync();
  return { breaker, store, client, errors, events };
}

async function dispose(...instances: Instance[]): Promise<void> {
  for (const i of instances) {
    await i.store.close();
    i.client.close();
  }
}

function failOn(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) expect(() => breaker.call(fail)).toThrow('down');
}

let counter = 0;
const prefixFor = (kind: ClientKind) => `${runPrefix}{${kind.name}-${++counter}}:`;

describe.skipIf(!available).each(clientKinds)('RedisStateStore sharedCounting with $name', (kind) => {
  it('opens every store when their failures together reach the fleet threshold, each under its own', async () => {
    const prefix = prefixFor(kind);
    const peers = await Promise.all([0, 1, 2].map(() => instance(kind, prefix)));
    for (const p of peers) failOn(p.breaker, 2);
    await waitFor('the fleet to open', () => peers.every((p) => p.breaker.state === 'open'), 3000);
    for (const p of peers) {
      expect(p.events.map((e) => [e.to, e.reason])).toEqual([['open', 'remote']]);
      expect(p.breaker.status().timeUntilRecoveryMs).toBeGreaterThan(29_000);
      expect(p.errors).toEqual([]);
    }
    await dispose(...peers);
  });

  it('keeps every key of a breaker under the state key, with a TTL', async () => {
    const prefix = prefixFor(kind);
    const a = await instance(kind, prefix);
    failOn(a.breaker, 1);
    const redis = new Redis();
    try {
      await waitFor('the counts to land', async () => (await redis.exists(`${prefix}breaker:shared:counts`)) === 1, 3000);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.sort()).toEqual([`${prefix}breaker:shared:counts`, `${prefix}breaker:shared:sent:${a.store.id}`]);
      for (const key of keys) {
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(0);
      }
      const counts = await redis.hgetall(`${prefix}breaker:shared:counts`);
      const sum = (letter: string) =>
        Object.entries(counts)
          .filter(([field]) => field.startsWith(letter))
          .reduce((s, [, v]) => s + Number(v), 0);
      expect([sum('f'), sum('n')]).toEqual([1, 1]);
    } finally {
      redis.disconnect();
      await dispose(a);
    }
  });

  it('sends one command per flush interval for a burst of calls, and none while idle', async () => {
    const server = new PrivateRedis();
    await server.start();
    const a = await instance(kind, prefixFor(kind), 100, server.port);
    const redis = new Redis({ port: server.port });
    // Script runs that did run: EVALSHA answered NOSCRIPT (the first run on a fresh server) is retried as EVAL.
    const evals = async () => {
      const info = await redis.info('commandstats');
      let runs = 0;
      for (const name of ['evalsha', 'eval']) {
        const line = new RegExp(`cmdstat_${name}:calls=(\\d+).*failed_calls=(\\d+)`).exec(info);
        runs += Number(line?.[1] ?? 0) - Number(line?.[2] ?? 0);
      }
      return runs;
    };
    try {
      // The reconcile that follows attach() runs first.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = await evals();
      for (let i = 0; i < 10_000; i++) a.breaker.call(() => i);
      await waitFor('the flush', async () => (await evals()) > before, 3000);
      // Idle: three flush intervals pass with no command.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await evals()) - before).toBe(1);
    } finally {
      redis.disconnect();
      await dispose(a);
      await server.dispose();
    }
  });

  it('reports a foreign value under its counts key once and keeps deciding locally', async () => {
    const prefix = prefixFor(kind);
    const redis = new Redis();
    await redis.set(`${prefix}breaker:shared:counts`, 'not ours');
    const a = await instance(kind, prefix);
    try {
      failOn(a.breaker, 2);
      await waitFor('a MALFORMED error', () => a.errors.length > 0, 3000);
      failOn(a.breaker, 1);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(a.errors.map((e) => [e.code, e.key])).toEqual([['ERR_TRIPSWITCH_REDIS_MALFORMED', `${prefix}breaker:shared`]]);
      expect(a.errors[0]?.message).toContain(`key "${prefix}breaker:shared:counts" holds a string value, not tripswitch counts`);
      failOn(a.breaker, 2);
      expect(a.breaker.state).toBe('open');
    } finally {
      redis.disconnect();
      await dispose(a);
    }
  });
});
