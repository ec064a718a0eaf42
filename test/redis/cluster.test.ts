import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/index.js';
import { RedisStateStore, type RedisStoreError } from '../../src/redis/index.js';
import { host, PrivateCluster, requireRedis, sharedBreaker, waitFor } from './helpers.js';

const available = await requireRedis();
const cluster = new PrivateCluster();
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  if (available) await cluster.start();
}, 30_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await cluster.dispose();
});

const fail = async () => Promise.reject(new Error('down'));
const startupNodes = () => cluster.ports.map((port) => ({ host, port }));

function clusterPeer(prefix: string) {
  const client = new Cluster(startupNodes(), { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  const store = new RedisStateStore({ client, prefix, reconcileInterval: 100, commandTimeout: 1000, leaseTtl: 2000 });
  const { breaker, errors } = sharedBreaker(store, { recoveryTimeout: 200 });
  cleanups.push(async () => {
    await store.close();
    client.disconnect();
  });
  return { store, breaker, errors };
}

describe.skipIf(!available)('RedisStateStore on a 3-master Redis Cluster', () => {
  it('shares opens, the probe lease and closes through an ioredis Cluster with a hash-tag prefix', async () => {
    const prefix = `{tripswitch-test-${process.pid}}:`;
    const a = clusterPeer(prefix);
    const b = clusterPeer(prefix);
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open', 3000);
    await waitFor(
      'a probe that closes both',
      async () => {
        await a.breaker.call(async () => 'ok').catch(() => {});
        return b.breaker.state === 'closed';
      },
      3000,
    );
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('refuses a cluster client whose prefix has no hash tag, at construction', () => {
    const client = new Cluster(startupNodes(), { lazyConnect: true });
    cleanups.push(() => client.disconnect());
    expect(() => new RedisStateStore({ client, prefix: 'tripswitch:' })).toThrow(
      /Expected `prefix` to contain a hash tag such as '\{tripswitch\}:' with a Redis Cluster client, got 'tripswitch:'/,
    );
  });

  it('refuses a node-redis cluster client by name', () => {
    const client = createCluster({ rootNodes: cluster.ports.map((port) => ({ url: `redis://${host}:${port}` })) });
    expect(() => new RedisStateStore({ client: client as never, prefix: '{t}:' })).toThrow(/node-redis cluster client \(createCluster\)/);
  });

  it('reports MOVED from a client of one node with its own code and says what to do', async () => {
    const errors: RedisStoreError[] = [];
    // One node's client: some keys live on other nodes.
    const clients = cluster.ports.map((port) => new Redis({ host, port, maxRetriesPerRequest: 1 }));
    for (const [i, client] of clients.entries()) {
      const store = new RedisStateStore({ client, prefix: `moved-${process.pid}-${i}:`, reconcileInterval: 100, commandTimeout: 500 });
      store.on('error', (error) => errors.push(error));
      const breakers = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => new CircuitBreaker(name, { store, registry: false }));
      cleanups.push(async () => {
        for (const breaker of breakers) breaker.dispose();
        await store.close();
        client.disconnect();
      });
    }
    await waitFor('a cluster error', () => errors.length > 0, 3000);
    expect(errors[0]?.code).toBe('ERR_TRIPSWITCH_REDIS_CLUSTER');
    expect(errors[0]?.message).toMatch(/Redis Cluster refused a command \((MOVED|CROSSSLOT)/);
    expect(errors[0]?.message).toContain('hash tag');
  });
});
