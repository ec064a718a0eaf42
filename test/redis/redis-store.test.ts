import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type CircuitBreaker, type CircuitBreakerOptions, isCircuitOpenError } from '../../src/index.js';
import { RedisStateStore, type RedisStateStoreOptions, type RedisStoreError } from '../../src/redis/index.js';
import {
  type ClientKind,
  clientKinds,
  closedPort,
  deleteKeys,
  PrivateRedis,
  requireRedis,
  sharedBreaker,
  type TestClient,
  uniquePrefix,
  waitFor,
} from './helpers.js';

const available = await requireRedis();
const runPrefix = uniquePrefix('suite');
const fail = async () => Promise.reject(new Error('down'));

afterAll(async () => {
  if (available) await deleteKeys(runPrefix);
});

/** One simulated instance: its own client, store and breaker. */
interface Instance {
  readonly breaker: CircuitBreaker;
  readonly store: RedisStateStore;
  readonly errors: RedisStoreError[];
  readonly client: TestClient;
}

async function instance(
  kind: ClientKind,
  prefix: string,
  breakerOptions: CircuitBreakerOptions = {},
  storeOptions: Partial<RedisStateStoreOptions> = {},
  port = 6379,
): Promise<Instance> {
  const client = await kind.create(port);
  const store = new RedisStateStore({ client: client.client, prefix, reconcileInterval: 100, commandTimeout: 300, ...storeOptions });
  const { breaker, errors } = sharedBreaker(store, breakerOptions);
  return { breaker, store, errors, client };
}

async function dispose(...instances: Instance[]): Promise<void> {
  for (const i of instances) {
    await i.store.close();
    i.client.close();
  }
}

let counter = 0;
const prefixFor = (kind: ClientKind) => `${runPrefix}${kind.name}:${++counter}:`;

describe.skipIf(!available).each(clientKinds)('RedisStateStore with $name', (kind) => {
  it('opens every peer within a bounded time when one opens', async () => {
    const prefix = prefixFor(kind);
    const peers = await Promise.all([0, 1, 2].map(() => instance(kind, prefix, { recoveryTimeout: 60_000 })));
    await Promise.all(peers.map((p) => p.store.sync()));
    const [a, b, c] = peers as [Instance, Instance, Instance];
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    const delay = await waitFor('peers to open', () => b.breaker.state === 'open' && c.breaker.state === 'open', 2000);
    console.info(`[${kind.name}] in-process propagation of open: ${delay.toFixed(2)} ms`);
    await expect(b.breaker.call(async () => 'ran')).rejects.toSatisfy(isCircuitOpenError);
    expect(c.breaker.status().timeUntilRecoveryMs).toBeGreaterThan(59_000);
    await dispose(...peers);
  });

  it('lets at most halfOpenMaxCalls probes run across peers, and a success closes every one', async () => {
    const prefix = prefixFor(kind);
    const peers = await Promise.all([0, 1, 2, 3].map(() => instance(kind, prefix, { halfOpenMaxCalls: 2, recoveryTimeout: 200 })));
    await Promise.all(peers.map((p) => p.store.sync()));
    await expect(peers[0]?.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('peers to open', () => peers.every((p) => p.breaker.state === 'open'), 2000);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const probes = new Map<Instance, number>();
    const hammer = () => {
      for (const p of peers) {
        p.breaker
          .call(async () => {
            probes.set(p, (probes.get(p) ?? 0) + 1);
            await gate;
          })
          .catch(() => {});
      }
    };
    const timer = setInterval(hammer, 2);
    await waitFor('two probes', () => [...probes.values()].reduce((s, n) => s + n, 0) >= 2, 3000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // keep knocking: nobody else gets in
    clearInterval(timer);
    expect([...probes.values()]).toEqual([2]);
    release();
    await waitFor('every peer to close', () => peers.every((p) => p.breaker.state === 'closed'), 2000);
    await dispose(...peers);
  });

  it('keeps every peer open for another recovery timeout when the probe fails', async () => {
    const prefix = prefixFor(kind);
    const [a, b] = await Promise.all([0, 1].map(() => instance(kind, prefix, { recoveryTimeout: 150 })));
    if (a === undefined || b === undefined) throw new Error('setup');
    await Promise.all([a.store.sync(), b.store.sync()]);
    const changes: string[] = [];
    b.breaker.on('stateChange', (e) => changes.push(`${e.to}:${e.reason}`));
    const reasons: string[] = [];
    a.breaker.on('stateChange', (e) => reasons.push(e.reason));
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    await waitFor('a failed probe', async () => {
      await a.breaker.call(fail).catch(() => {});
      return reasons.includes('trial_failed');
    });
    // b's first open period has ended by now; the failed probe gave it a new one.
    await waitFor('b to take the new open period', () => (b.breaker.status().timeUntilRecoveryMs ?? 0) > 100, 1000);
    expect(b.breaker.state).toBe('open');
    expect(changes).toEqual(['open:remote']);
    await dispose(a, b);
  });

  it('hands the probe lease to a peer once an idle holder lets it lapse', async () => {
    const prefix = prefixFor(kind);
    const options = { recoveryTimeout: 100 };
    const [a, b] = await Promise.all([0, 1].map(() => instance(kind, prefix, options, { leaseTtl: 500 })));
    if (a === undefined || b === undefined) throw new Error('setup');
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    // One call after the recovery timeout makes a ask for the lease; then a gets no call to probe with.
    // Redis times the open period from a moment later than a's clock did: a may be told to wait a few ms more.
    await waitFor(
      'a to hold the lease',
      async () => {
        if (a.breaker.state === 'open' && a.breaker.status().timeUntilRecoveryMs === 0) {
          await expect(a.breaker.call(async () => 'not run')).rejects.toSatisfy(isCircuitOpenError);
        }
        return a.breaker.state === 'half_open';
      },
      2000,
    );
    const granted = performance.now();
    let probedAt = 0;
    await waitFor(
      'b to probe',
      async () => {
        await b.breaker.call(async () => (probedAt ||= performance.now())).catch(() => {});
        return probedAt > 0;
      },
      3000,
    );
    expect(probedAt - granted).toBeGreaterThan(450);
    await waitFor('a to close through b', () => a.breaker.state === 'closed', 2000);
    await dispose(a, b);
  });

  it('does not let a close based on an old view undo a newer open', async () => {
    const prefix = prefixFor(kind);
    const a = await instance(kind, prefix, { recoveryTimeout: 60_000 }, { reconcileInterval: 60_000, leaseTtl: 120_000 });
    await a.store.sync();
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    const admin = new Redis();
    const key = `${prefix}breaker:shared`;
    await waitFor('the open to reach Redis', async () => (await admin.hget(key, 's')) === 'open');
    // A peer opens it again; this store misses the message.
    const newer = String(Number(await admin.hget(key, 'v')) + 1);
    await admin.hset(key, { v: newer, a: '2', o: 'another-store' });
    a.breaker.reset();
    await waitFor('a to take the newer open', () => a.breaker.state === 'open', 2000);
    expect(await admin.hget(key, 's')).toBe('open');
    expect(await admin.hget(key, 'v')).toBe(newer);
    admin.disconnect();
    await dispose(a);
  });

  it('closes everywhere on a reset that follows its own open before Redis answered', async () => {
    const prefix = prefixFor(kind);
    const [a, b] = await Promise.all(
      [0, 1].map(() => instance(kind, prefix, { recoveryTimeout: 60_000 }, { reconcileInterval: 60_000, leaseTtl: 120_000 })),
    );
    if (a === undefined || b === undefined) throw new Error('setup');
    await Promise.all([a.store.sync(), b.store.sync()]);
    for (let round = 0; round < 20; round++) {
      expect(() =>
        a.breaker.call(() => {
          throw new Error('down');
        }),
      ).toThrow('down');
      a.breaker.reset(); // the open's reply has not arrived yet
      await waitFor(
        `round ${round} to settle closed`,
        async () => {
          await a.store.sync();
          await b.store.sync();
          return a.breaker.state === 'closed' && b.breaker.state === 'closed';
        },
        2000,
      );
    }
    await dispose(a, b);
  });

  it('catches a transition whose message it missed through the periodic reconcile', async () => {
    const prefix = prefixFor(kind);
    const a = await instance(kind, prefix, { recoveryTimeout: 60_000 });
    await a.store.sync();
    const admin = new Redis();
    const version = String(Date.now() * 1000 + 10_000_000);
    const [seconds] = await admin.time();
    await admin.hset(`${prefix}breaker:shared`, { s: 'open', u: String(Number(seconds) * 1000 + 30_000), a: '1', h: '', v: version });
    await admin.pexpire(`${prefix}breaker:shared`, 60_000);
    await admin.incr(`${prefix}changes`); // every writer counts its writes: the reconcile reads keys only when the count moved
    await waitFor('the reconcile to open it', () => a.breaker.state === 'open', 2000);
    expect(a.breaker.status().timeUntilRecoveryMs).toBeGreaterThan(25_000);
    admin.disconnect();
    await dispose(a);
  });

  it('sets a TTL on every key it writes', async () => {
    const prefix = prefixFor(kind);
    const [a, b] = await Promise.all([0, 1].map(() => instance(kind, prefix, { recoveryTimeout: 100 })));
    if (a === undefined || b === undefined) throw new Error('setup');
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    const admin = new Redis();
    const keys = await admin.keys(`${prefix}*`);
    expect(keys.sort()).toEqual([`${prefix}breaker:shared`, `${prefix}changes`, `${prefix}changes:log`]);
    for (const key of keys) expect(await admin.pttl(key)).toBeGreaterThan(0);
    await waitFor('a probe to close it', async () => {
      await a.breaker.call(async () => 'ok').catch(() => {});
      return b.breaker.state === 'closed';
    });
    expect(await admin.pttl(`${prefix}breaker:shared`)).toBeGreaterThan(0);
    expect(await admin.pttl(`${prefix}breaker:shared`)).toBeLessThanOrEqual(60_000);
    admin.disconnect();
    await dispose(a, b);
  });

  it('reports a foreign value under its key once, with the key, and keeps deciding locally', async () => {
    const prefix = prefixFor(kind);
    const admin = new Redis();
    await admin.set(`${prefix}breaker:shared`, 'not ours', 'PX', 60_000);
    const a = await instance(kind, prefix, { recoveryTimeout: 50 });
    await a.store.sync();
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    expect(a.breaker.state).toBe('open');
    await waitFor('local recovery', async () => {
      await a.breaker.call(async () => 'ok').catch(() => {});
      return a.breaker.state === 'closed';
    });
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]).toMatchObject({ code: 'ERR_TRIPSWITCH_REDIS_MALFORMED', key: `${prefix}breaker:shared` });
    expect(a.errors[0]?.message).toContain('holds a string value, not a tripswitch state hash');
    await admin.del(`${prefix}breaker:shared`);
    await a.store.sync(); // reads the key clean: the incident is over
    await admin.hset(`${prefix}breaker:shared`, { s: 'sideways', u: 'x' });
    await admin.pexpire(`${prefix}breaker:shared`, 60_000);
    await admin.incr(`${prefix}changes`); // a foreign writer found at the next change of the count (or sync())
    await waitFor('a second report for the second foreign value', () => a.errors.length === 2, 2000);
    expect(a.errors[1]?.message).toContain('not a tripswitch state');
    await expect(a.breaker.call(async () => 'ok')).resolves.toBe('ok');
    admin.disconnect();
    await dispose(a);
  });

  it('keeps deciding locally against a closed port, with one error for the whole incident', async () => {
    const port = await closedPort();
    const a = await instance(kind, prefixFor(kind), { recoveryTimeout: 30 }, { commandTimeout: 100 }, port);
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      await expect(a.breaker.call(fail)).rejects.toThrow('down');
      expect(a.breaker.state).toBe('open');
      await expect(a.breaker.call(async () => 'ok')).rejects.toSatisfy(isCircuitOpenError);
      expect(performance.now() - start).toBeLessThan(50);
      await waitFor('local recovery', async () => {
        await a.breaker.call(async () => 'ok').catch(() => {});
        return a.breaker.state === 'closed';
      });
    }
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]?.code).toBe('ERR_TRIPSWITCH_REDIS_UNAVAILABLE');
    await dispose(a);
  });

  it('keeps working while Redis is paused or stopped, then re-syncs its peers', async () => {
    const server = new PrivateRedis();
    await server.start();
    try {
      const prefix = prefixFor(kind);
      const options = { recoveryTimeout: 60_000 };
      const [a, b] = await Promise.all([0, 1].map(() => instance(kind, prefix, options, { commandTimeout: 200 }, server.port)));
      if (a === undefined || b === undefined) throw new Error('setup');
      await Promise.all([a.store.sync(), b.store.sync()]);
      const recovered: string[] = [];
      a.store.on('recovered', () => recovered.push('a'));

      // Paused: a opens locally at once, Redis answers nothing for 1 s.
      const admin = new Redis({ port: server.port });
      await admin.client('PAUSE', 1000, 'ALL');
      const start = performance.now();
      await expect(a.breaker.call(fail)).rejects.toThrow('down');
      expect(performance.now() - start).toBeLessThan(50);
      await waitFor('the pause to be reported', () => a.errors.length === 1, 2000);
      const delay = await waitFor('b to learn of it after the pause', () => b.breaker.state === 'open', 5000);
      console.info(`[${kind.name}] re-sync after CLIENT PAUSE 1000: b opened ${delay.toFixed(0)} ms after the error`);
      await waitFor('a to report that Redis answers again', () => recovered.length > 0, 2000);
      expect(recovered).toEqual(['a']);
      admin.disconnect();

      // Stopped: a closes locally; when the server is back (empty), a's state is pushed again.
      await server.stop();
      a.breaker.reset();
      b.breaker.reset();
      await expect(a.breaker.call(fail)).rejects.toThrow('down');
      await expect(b.breaker.call(async () => 'still local')).resolves.toBe('still local');
      await waitFor('the outage to be reported', () => a.errors.length === 2 && b.errors.length >= 1, 3000);
      await server.start();
      await waitFor('b to learn of it after the restart', () => b.breaker.state === 'open', 10_000).catch(async (error) => {
        const probe = new Redis({ port: server.port });
        const hash = await probe.hgetall(`${prefix}breaker:shared`);
        probe.disconnect();
        throw new Error(
          `${error}; a ${a.breaker.state}, b ${b.breaker.state}, key ${JSON.stringify(hash)}, errors ${a.errors.length}/${b.errors.length}`,
        );
      });
      expect(a.errors).toHaveLength(2);
      await dispose(a, b);
    } finally {
      await server.dispose();
    }
  }, 30_000);
});

/** A peer in a child process (test/redis/fixtures/peer.ts). */
interface Peer {
  readonly child: ChildProcess;
  readonly messages: Array<Record<string, unknown> & { event: string }>;
  send(cmd: string): void;
}

const fixture = fileURLToPath(new URL('./fixtures/peer.ts', import.meta.url));

function spawnPeer(kind: ClientKind, prefix: string, recoveryMs: number, maxCalls: number): Peer {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, kind.name, prefix, String(recoveryMs), String(maxCalls)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const messages: Peer['messages'] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => messages.push(JSON.parse(line)));
  return { child, messages, send: (cmd) => child.stdin?.write(`${JSON.stringify({ cmd })}\n`) };
}

describe.skipIf(!available).each(clientKinds)('RedisStateStore across processes with $name', (kind) => {
  it('opens every process, lets halfOpenMaxCalls probes run in one of them, and closes every one on success', async () => {
    const prefix = prefixFor(kind);
    const peers = [0, 1, 2].map(() => spawnPeer(kind, prefix, 500, 2));
    try {
      await waitFor('three peers to be ready', () => peers.every((p) => p.messages.some((m) => m.event === 'ready')), 20_000);
      const [a, ...others] = peers as [Peer, Peer, Peer];
      a.send('fail');
      const opened = (p: Peer) => p.messages.find((m) => m.event === 'state' && m.to === 'open');
      await waitFor('every peer to open', () => peers.every((p) => opened(p) !== undefined), 3000);
      const delays = others.map((p) => Number(opened(p)?.at) - Number(opened(a)?.at));
      console.info(`[${kind.name}] cross-process propagation of open: ${delays.map((d) => `${d.toFixed(2)} ms`).join(', ')}`);
      for (const delay of delays) expect(delay).toBeLessThan(1000);
      expect(others.every((p) => opened(p)?.reason === 'remote')).toBe(true);

      for (const p of peers) p.send('hammer');
      const probes = () => peers.map((p) => p.messages.filter((m) => m.event === 'probe').length);
      await waitFor('two probes', () => probes().reduce((s, n) => s + n, 0) >= 2, 5000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // all three keep knocking
      const counts = probes();
      console.info(`[${kind.name}] probes per process after the recovery timeout: ${counts.join(', ')}`);
      expect(counts.reduce((s, n) => s + n, 0)).toBe(2);
      expect(counts.filter((n) => n > 0)).toEqual([2]);

      for (const p of peers) p.send('finish');
      const closed = (p: Peer) => p.messages.some((m) => m.event === 'state' && m.to === 'closed');
      await waitFor('every peer to close', () => peers.every(closed), 3000);
      expect(peers.flatMap((p) => p.messages.filter((m) => m.event === 'error'))).toEqual([]);
    } finally {
      for (const p of peers) p.send('exit');
      await Promise.all(
        peers.map((p) => new Promise((resolve) => (p.child.exitCode === null ? p.child.once('exit', resolve) : resolve(null)))),
      );
    }
  }, 60_000);
});
