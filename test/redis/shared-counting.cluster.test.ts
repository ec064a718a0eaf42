// Shared counting on a local 3-master Redis Cluster (private ports), through ioredis's Cluster client:
// with a hash tag in the prefix, every key of a breaker (state, counts, batch markers) is in one slot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/index.js';
import { type IORedisClient, RedisStateStore, type RedisStoreError } from '../../src/redis/index.js';
import { closedPort, host, requireRedis, waitFor } from './helpers.js';

const available = await requireRedis();
const dir = mkdtempSync(join(tmpdir(), 'tripswitch-cluster-'));
const ports: number[] = [];

beforeAll(async () => {
  if (!available) return;
  for (let i = 0; i < 3; i++) {
    const port = await closedPort();
    ports.push(port);
    execFileSync('redis-server', [
      ...['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--daemonize', 'yes'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
      ...['--pidfile', join(dir, `${port}.pid`), '--dir', dir],
    ]);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `${host}:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  const probe = new Cluster([{ host, port: ports[0] as number }]);
  await waitFor('the cluster to be ready', async () => (await probe.cluster('INFO').catch(() => '')).includes('cluster_state:ok'), 20_000);
  probe.disconnect();
}, 60_000);

afterAll(() => {
  for (const port of ports) {
    try {
      process.kill(Number(readFileSync(join(dir, `${port}.pid`), 'utf8').trim()), 'SIGTERM');
    } catch {}
  }
  setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500).unref();
});

describe.skipIf(!available)('RedisStateStore sharedCounting on Redis Cluster (ioredis Cluster)', () => {
  it('opens every store when their failures together reach the fleet threshold', async () => {
    const clients = [0, 1].map(() => new Cluster([{ host, port: ports[0] as number }]));
    const errors: RedisStoreError[] = [];
    const peers = clients.map((client) => {
      const store = new RedisStateStore({
        client: client as unknown as IORedisClient,
        prefix: '{shop}:',
        commandTimeout: 2000,
        sharedCounting: { failureThreshold: 4 },
      });
      store.on('error', (e) => errors.push(e));
      const breaker = new CircuitBreaker('payments', { store, registry: false, failureThreshold: 3 });
      return { store, breaker };
    });
    try {
      await Promise.all(peers.map((p) => p.store.sync()));
      for (const { breaker } of peers) {
        for (let i = 0; i < 2; i++) {
          expect(() =>
            breaker.call(() => {
              throw new Error('down');
            }),
          ).toThrow('down');
        }
      }
      await waitFor('both to open', () => peers.every((p) => p.breaker.state === 'open'), 5000);
      expect(errors).toEqual([]);
      const keys = (await Promise.all((clients[0] as Cluster).nodes('master').map((node) => node.keys('{shop}:*')))).flat();
      // The trip went through the change counter and log like any open, so a reconcile that missed the message finds it.
      expect(keys.sort()).toEqual(
        [
          '{shop}:breaker:payments',
          ...peers.map((p) => `{shop}:breaker:payments:sent:${p.store.id}`),
          '{shop}:changes',
          '{shop}:changes:log',
        ].sort(),
      );
    } finally {
      for (const p of peers) await p.store.close();
      for (const c of clients) c.disconnect();
    }
  }, 60_000);
});
