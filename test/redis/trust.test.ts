import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/index.js';
import { RedisStateStore, type RedisStateStoreOptions, type RedisStoreError } from '../../src/redis/index.js';
import { closedPort, deleteKeys, requireRedis, sharedBreaker, uniquePrefix, waitFor } from './helpers.js';

const available = await requireRedis();
const runPrefix = uniquePrefix('trust');
const fail = async () => Promise.reject(new Error('down'));
let counter = 0;
const opened: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const close of opened) await close();
  if (available) await deleteKeys(runPrefix);
});

interface Peer {
  readonly breaker: CircuitBreaker;
  readonly store: RedisStateStore;
  readonly errors: RedisStoreError[];
  readonly client: Redis;
}

function peer(prefix: string, options: CircuitBreakerOptions = {}, storeOptions: Partial<RedisStateStoreOptions> = {}, port = 6379): Peer {
  const client = new Redis({ port, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const store = new RedisStateStore({ client, prefix, reconcileInterval: 100, commandTimeout: 300, ...storeOptions });
  const { breaker, errors } = sharedBreaker(store, options);
  opened.push(async () => {
    await store.close();
    client.disconnect();
  });
  return { breaker, store, errors, client };
}

const nextPrefix = () => `${runPrefix}${++counter}:`;

async function serverMs(admin: Redis): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe.skipIf(!available)('RedisStateStore trusts nothing it reads', () => {
  it('is not silenced by one message with an absurd version', async () => {
    const prefix = nextPrefix();
    const [a, b] = [peer(prefix, { recoveryTimeout: 60_000 }), peer(prefix, { recoveryTimeout: 60_000 })];
    await Promise.all([a.store.sync(), b.store.sync()]);
    const admin = new Redis();
    await admin.publish(`${prefix}transitions`, '9000000000000000000|closed|0|0|intruder|shared');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open', 2000);
    admin.disconnect();
  });

  it('reports a key with an open end far beyond any open period as malformed and never applies it', async () => {
    const prefix = nextPrefix();
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    const now = await serverMs(admin);
    // Microseconds where milliseconds belong: ~56 000 years.
    await admin.hset(key, { s: 'open', u: String(now * 1000), a: '1', h: '', v: String(now * 1000) });
    await admin.pexpire(key, 60_000);
    const a = peer(prefix);
    await a.store.sync();
    await waitFor('a malformed report', () => a.errors.length > 0, 2000);
    expect(a.errors[0]?.code).toBe('ERR_TRIPSWITCH_REDIS_MALFORMED');
    expect(a.breaker.state).toBe('closed');
    await expect(a.breaker.call(async () => 'ran')).resolves.toBe('ran');
    admin.disconnect();
  });

  it('reports non-numeric and infinite fields as malformed', async () => {
    const prefix = nextPrefix();
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    await admin.hset(key, { s: 'open', u: 'inf', a: '1', h: '', v: '5' });
    await admin.pexpire(key, 60_000);
    const a = peer(prefix);
    await a.store.sync();
    await waitFor('a malformed report', () => a.errors.length > 0, 2000);
    expect(a.errors.map((e) => e.code)).toEqual(['ERR_TRIPSWITCH_REDIS_MALFORMED']);
    expect(a.breaker.state).toBe('closed');
    admin.disconnect();
  });

  it('reports a version at or beyond 2^53 as malformed', async () => {
    const prefix = nextPrefix();
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    const now = await serverMs(admin);
    await admin.hset(key, { s: 'open', u: String(now + 5000), a: '1', h: '', v: '9007199254740993' });
    await admin.pexpire(key, 60_000);
    const a = peer(prefix);
    await a.store.sync();
    await waitFor('a malformed report', () => a.errors.length > 0, 2000);
    expect(a.errors[0]?.code).toBe('ERR_TRIPSWITCH_REDIS_MALFORMED');
    admin.disconnect();
  });

  it('reports a lease longer than leaseTtl as malformed', async () => {
    const prefix = nextPrefix();
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    const now = await serverMs(admin);
    await admin.hset(key, { s: 'half_open', u: String(now + 600_000), a: '1', h: 'someone', v: String(now * 1000) });
    await admin.pexpire(key, 60_000);
    const a = peer(prefix);
    await a.store.sync();
    await waitFor('a malformed report', () => a.errors.length > 0, 2000);
    expect(a.errors[0]?.code).toBe('ERR_TRIPSWITCH_REDIS_MALFORMED');
    expect(a.breaker.state).toBe('closed');
    admin.disconnect();
  });

  it('follows a key whose version went backwards (a failover to a primary with a slower clock)', async () => {
    const prefix = nextPrefix();
    const a = peer(prefix, { recoveryTimeout: 60_000 });
    const b = peer(prefix, { recoveryTimeout: 60_000 });
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open', 2000);
    a.breaker.reset();
    await waitFor('b to close', () => b.breaker.state === 'closed', 2000);
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    const version = Number(await admin.hget(key, 'v'));
    // The new primary lost the key and its clock is an hour behind: the open it takes gets a lower version.
    const lower = version - 3_600_000_000;
    await admin.del(key);
    await admin.hset(key, { s: 'open', u: String((await serverMs(admin)) + 60_000), a: '1', h: '', v: String(lower), o: 'elsewhere' });
    await admin.pexpire(key, 120_000);
    await admin.incr(`${prefix}changes`);
    await admin.publish(`${prefix}transitions`, `${lower}|open|60000|1|elsewhere|shared`);
    await waitFor('a and b to open', () => a.breaker.state === 'open' && b.breaker.state === 'open', 2000);
    admin.disconnect();
  });

  it('shares a state restored open through initialState when the breaker attaches', async () => {
    const prefix = nextPrefix();
    const b = peer(prefix, { recoveryTimeout: 60_000 });
    await b.store.sync();
    const alone = new CircuitBreaker('shared', { registry: false, failureThreshold: 1, recoveryTimeout: 60_000 });
    expect(() =>
      alone.call(() => {
        throw new Error('down');
      }),
    ).toThrow('down');
    const client = new Redis();
    const store = new RedisStateStore({ client, prefix, reconcileInterval: 100, commandTimeout: 300 });
    opened.push(async () => {
      await store.close();
      client.disconnect();
    });
    const restored = new CircuitBreaker('shared', { store, registry: false, initialState: alone.snapshot() });
    expect(restored.state).toBe('open');
    await waitFor('the peer to open', () => b.breaker.state === 'open', 2000);
  });

  it('answers the probe request even when an error listener throws', async () => {
    const port = await closedPort();
    const client = new Redis({ port, retryStrategy: () => 50, maxRetriesPerRequest: 0, lazyConnect: false });
    client.on('error', () => {});
    const store = new RedisStateStore({ client, prefix: nextPrefix(), commandTimeout: 100, reconcileInterval: 100, leaseTtl: 500 });
    opened.push(async () => {
      await store.close();
      client.disconnect();
    });
    let thrown = 0;
    store.on('error', () => {
      thrown++;
      throw new Error('listener bug');
    });
    const breaker = new CircuitBreaker('shared', { store, registry: false, kind: 'async', failureThreshold: 1, recoveryTimeout: 50 });
    await expect(breaker.call(fail)).rejects.toThrow('down');
    await waitFor(
      'a probe after the recovery timeout',
      async () => {
        const ran = await breaker.call(async () => 'ran').catch(() => 'rejected');
        return ran === 'ran';
      },
      3000,
    );
    expect(thrown).toBeGreaterThan(0);
  });
});

describe('RedisStateStore options across fields', () => {
  const client = new Redis({ lazyConnect: true });
  it('requires leaseTtl to outlast a reconcile interval plus a command timeout', () => {
    expect(() => new RedisStateStore({ client, leaseTtl: 5000, reconcileInterval: 5000 })).toThrow(
      /Expected `leaseTtl` to be more than `reconcileInterval` \+ `commandTimeout` \(6000\), got `5000`/,
    );
  });

  it('bounds every duration by 2^31-1 ms', () => {
    expect(() => new RedisStateStore({ client, reconcileInterval: 2 ** 31 })).toThrow(RangeError);
    expect(() => new RedisStateStore({ client, reconcileInterval: 2 ** 31 })).toThrow(/`reconcileInterval`.*2147483647/);
  });
});
