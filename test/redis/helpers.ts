import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/index.js';
import type { RedisClient, RedisStateStore, RedisStoreError } from '../../src/redis/index.js';

export const host = '127.0.0.1';

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Whether Redis answers at 127.0.0.1:6379; with CI=true a missing Redis throws, failing the suite. */
export async function requireRedis(): Promise<boolean> {
  if (await ping(6379)) return true;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but no Redis answers at 127.0.0.1:6379: start one with `redis-server --daemonize yes` (see .ci/run)');
  }
  console.warn(
    'Skipping the tripswitch/redis suite: no Redis at 127.0.0.1:6379 (start one with `redis-server --daemonize yes`; CI=true makes this a failure)',
  );
  return false;
}

/** A client of one library, connected (or connecting, for a server that is not there). */
export interface TestClient {
  readonly client: RedisClient;
  close(): void;
}

export interface ClientKind {
  readonly name: 'ioredis' | 'node-redis';
  create(port?: number): Promise<TestClient>;
}

export const clientKinds: readonly ClientKind[] = [
  {
    name: 'ioredis',
    async create(port = 6379) {
      const client = new Redis({ host, port, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      return { client, close: () => client.disconnect() };
    },
  },
  {
    name: 'node-redis',
    async create(port = 6379) {
      const client = createClient({ socket: { host, port, reconnectStrategy: () => 50, connectTimeout: 500 } });
      client.on('error', () => {});
      // Against a server that is not there, connect() keeps retrying: do not wait for it.
      const connecting = client.connect().catch(() => {});
      if (await ping(port)) await connecting;
      return { client, close: () => client.destroy() };
    },
  },
];

/** Polls `condition` until it holds; throws after `timeout` ms, naming what it waited for. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeout = 5000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - start;
    if (performance.now() - start > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A unique key prefix for this run. */
export function uniquePrefix(label: string): string {
  return `tripswitch-test:${process.pid}:${Date.now().toString(36)}:${label}:`;
}

/** Deletes every key under `prefix` (at 127.0.0.1:port). */
export async function deleteKeys(prefix: string, port = 6379): Promise<void> {
  const client = new Redis({ host, port, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/** A TCP port nothing listens on. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A redis-server of our own on a free high port, which a test can stop and start again. */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'tripswitch-redis-'));
  readonly #pidfile = join(this.dir, 'redis.pid');
  port = 0;

  async start(): Promise<void> {
    this.port ||= await closedPort();
    execFileSync(
      'redis-server',
      ['--port', String(this.port), '--bind', host, '--save', '', '--appendonly', 'no', '--daemonize', 'yes'].concat([
        '--pidfile',
        this.#pidfile,
        '--dir',
        this.dir,
      ]),
    );
    await waitFor(`redis-server on port ${this.port}`, () => ping(this.port), 5000);
  }

  async stop(): Promise<void> {
    if (!existsSync(this.#pidfile)) return;
    const pid = Number(readFileSync(this.#pidfile, 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    await waitFor(`redis-server ${pid} to stop`, async () => !(await ping(this.port)) && !existsSync(this.#pidfile), 5000);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A local 3-master Redis Cluster on free high ports (TOOLCHAIN.md's recipe); `dispose()` stops it and removes its files. */
export class PrivateCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'tripswitch-cluster-'));
  ports: number[] = [];

  async start(): Promise<void> {
    for (let i = 0; i < 3; i++) this.ports.push(await closedPort());
    for (const port of this.ports) {
      execFileSync('redis-server', [
        '--port',
        String(port),
        '--bind',
        host,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(this.dir, `nodes-${port}.conf`),
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'yes',
        '--pidfile',
        join(this.dir, `redis-${port}.pid`),
        '--dir',
        this.dir,
      ]);
    }
    for (const port of this.ports) await waitFor(`cluster node ${port}`, () => ping(port), 5000);
    execFileSync(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((p) => `${host}:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(
      'the cluster to be ok',
      async () => {
        const client = new Redis({ host, port: this.ports[0] ?? 0, maxRetriesPerRequest: 0 });
        client.on('error', () => {});
        try {
          return String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      },
      10_000,
    );
  }

  async dispose(): Promise<void> {
    for (const port of this.ports) {
      const pidfile = join(this.dir, `redis-${port}.pid`);
      if (!existsSync(pidfile)) continue;
      process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
      await waitFor(`cluster node ${port} to stop`, async () => !(await ping(port)), 5000);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The breaker every peer test shares, named `shared` on `store`: async, opens on one failure, closes on
 * one good trial (options override), with the store's `error` events collected.
 */
export function sharedBreaker(
  store: RedisStateStore,
  options: CircuitBreakerOptions = {},
): { readonly breaker: CircuitBreaker; readonly errors: RedisStoreError[] } {
  const errors: RedisStoreError[] = [];
  store.on('error', (error) => errors.push(error));
  const breaker = new CircuitBreaker('shared', {
    store,
    registry: false,
    kind: 'async',
    failureThreshold: 1,
    successThreshold: 1,
    recoveryTimeout: 300,
    ...options,
  });
  return { breaker, errors };
}
