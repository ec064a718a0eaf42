import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { CircuitBreaker, CircuitBreakerOptions } from '../../src/index.js';
import type { IORedisClient, RedisStateStoreOptions } from '../../src/redis/index.js';
import { RedisStateStore } from '../../src/redis/index.js';
import { deleteKeys, requireRedis, sharedBreaker, uniquePrefix, waitFor } from './helpers.js';

const available = await requireRedis();
const runPrefix = uniquePrefix('liveness');
const fail = async () => Promise.reject(new Error('down'));
let counter = 0;
const cleanups: Array<() => Promise<void>> = [];
const nextPrefix = () => `${runPrefix}${++counter}:`;

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  if (available) await deleteKeys(runPrefix);
});

function peer(
  prefix: string,
  options: CircuitBreakerOptions = {},
  storeOptions: Partial<RedisStateStoreOptions> = {},
  client?: IORedisClient,
) {
  const own = new Redis({ retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  own.on('error', () => {});
  const store = new RedisStateStore({
    client: client ?? own,
    subscriber: own.duplicate(),
    prefix,
    reconcileInterval: 100,
    commandTimeout: 300,
    ...storeOptions,
  });
  const { breaker } = sharedBreaker(store, { recoveryTimeout: 200, ...options });
  cleanups.push(async () => {
    await store.close();
    own.disconnect();
  });
  return { breaker, store };
}

/** Calls `breaker` until one call runs; resolves with the time it ran. */
async function probeWith(breaker: CircuitBreaker, timeout: number): Promise<number> {
  let ranAt = 0;
  await waitFor(
    'a probe',
    async () => {
      await breaker.call(async () => (ranAt ||= performance.now())).catch(() => {});
      return ranAt > 0;
    },
    timeout,
  );
  return ranAt;
}

describe.skipIf(!available)('RedisStateStore liveness', () => {
  it('lets a peer probe within leaseTtl once the holder is idle after one success', async () => {
    const prefix = nextPrefix();
    const options = { successThreshold: 3 };
    const a = peer(prefix, options, { leaseTtl: 500 });
    const b = peer(prefix, options, { leaseTtl: 500 });
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    await probeWith(a.breaker, 2000); // a holds the lease: one success of three, then no traffic
    const idleFrom = performance.now();
    expect(a.breaker.state).toBe('half_open');
    const probed = await probeWith(b.breaker, 3000);
    // The bound: leaseTtl after the holder's last trial ended, plus a reconcile and a command timeout; a
    // second of slack for a loaded machine (before the fix: never).
    expect(probed - idleFrom).toBeLessThan(500 + 100 + 300 + 1000);
  });

  it('tells peers at once when a holder shuts down cleanly', async () => {
    const prefix = nextPrefix();
    const a = peer(prefix, {}, { reconcileInterval: 10_000, leaseTtl: 20_000 });
    const b = peer(prefix, {}, { reconcileInterval: 10_000, leaseTtl: 20_000 });
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await waitFor('a to hold the lease with a trial running', async () => {
      void a.breaker.call(() => gate).catch(() => {});
      return a.breaker.state === 'half_open';
    });
    // b asks and is told to wait for the lease (20 s).
    await waitFor('b to be denied', async () => {
      await b.breaker.call(async () => 'ran').catch(() => {});
      return (b.breaker.status().timeUntilRecoveryMs ?? 0) > 10_000;
    });
    await a.store.close();
    const probed = await probeWith(b.breaker, 2000);
    expect(probed).toBeGreaterThan(0);
    release();
  });

  it('applies a late lease reply no later than newer news (FIFO replies, messages on another connection)', async () => {
    const prefix = nextPrefix();
    // b's command connection answers EVALSHA 400 ms late, in order: its subscriber hears of a newer open first.
    const slow = new Redis({ maxRetriesPerRequest: 1 });
    let tail: Promise<unknown> = Promise.resolve();
    let delaying = false;
    const delayed = new Proxy(slow, {
      get(target, prop) {
        if (prop === 'call') {
          return (...args: string[]) => {
            const reply = target.call(args[0] as string, ...args.slice(1));
            const wait = delaying ? new Promise((resolve) => setTimeout(resolve, 400)) : Promise.resolve();
            const previous = tail;
            const next = Promise.all([reply, wait, previous]).then(([r]) => r);
            tail = next.catch(() => {});
            return next;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as unknown as IORedisClient;
    cleanups.push(async () => slow.disconnect());
    const options = { recoveryTimeout: 150, halfOpenMaxWait: 100_000 };
    const a = peer(prefix, options, { leaseTtl: 5000, commandTimeout: 2000, reconcileInterval: 2000 });
    const b = peer(prefix, options, { leaseTtl: 5000, commandTimeout: 2000, reconcileInterval: 2000 }, delayed);
    await Promise.all([a.store.sync(), b.store.sync()]);
    await expect(a.breaker.call(fail)).rejects.toThrow('down');
    await waitFor('b to open', () => b.breaker.state === 'open');
    let failTrial: (e: Error) => void = () => {};
    const trial = new Promise<never>((_, reject) => (failTrial = reject));
    await waitFor('a to hold the lease', async () => {
      void a.breaker.call(() => trial).catch(() => {});
      return a.breaker.state === 'half_open';
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // b's open period has ended
    delaying = true;
    await b.breaker.call(async () => 'ran').catch(() => {}); // b asks: the reply "a holds the lease, 5 s" comes late
    delaying = false;
    failTrial(new Error('still down')); // a reopens the fleet for 300 ms (second step of... the constant 150 ms)
    await new Promise((resolve) => setTimeout(resolve, 600)); // the late reply has arrived
    const left = b.breaker.status().timeUntilRecoveryMs ?? 0;
    expect(left).toBeLessThan(1000);
  });
});

/** A peer in a child process (fixtures/peer.ts). */
function spawnPeer(prefix: string, leaseTtl: number) {
  const fixture = fileURLToPath(new URL('./fixtures/peer.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fixture, 'ioredis', prefix, '200', '1', String(leaseTtl)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const messages: Array<{ event: string }> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => messages.push(JSON.parse(line)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
  return { child, messages, send: (cmd: string) => child.stdin?.write(`${JSON.stringify({ cmd })}\n`) };
}

describe.skipIf(!available).each(['SIGKILL', 'SIGSTOP'] as const)('RedisStateStore when the lease holder gets %s', (signal) => {
  it('lets a peer probe within leaseTtl + reconcileInterval', async () => {
    const prefix = nextPrefix();
    const holder = spawnPeer(prefix, 1000);
    await waitFor('the child to be ready', () => holder.messages.some((m) => m.event === 'ready'), 20_000);
    const b = peer(prefix, {}, { leaseTtl: 1000 });
    await b.store.sync();
    holder.send('fail');
    await waitFor('b to open', () => b.breaker.state === 'open', 3000);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await waitFor(
      'the child to probe',
      async () => {
        holder.send('probe-once');
        await new Promise((resolve) => setTimeout(resolve, 20));
        return holder.messages.some((m) => m.event === 'probe');
      },
      3000,
    );
    holder.child.kill(signal);
    const from = performance.now();
    const probed = await probeWith(b.breaker, 8000);
    // leaseTtl + reconcileInterval + commandTimeout, and a second of slack for a loaded machine.
    expect(probed - from).toBeLessThan(1000 + 200 + 500 + 1000);
  }, 30_000);
});
