// Shared counting across 8 processes (4 on ioredis, 4 on node-redis) on a private redis-server that
// the last test stops and starts again.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKinds, PrivateRedis, requireRedis, uniquePrefix, waitFor } from './helpers.js';

const available = await requireRedis();
const server = new PrivateRedis();
const runPrefix = uniquePrefix('counting-fleet');
const source = fileURLToPath(new URL('./fixtures/counting-peer.ts', import.meta.url));
// Bundled once to plain JS (beside node_modules, which resolves its client libraries): 8 processes
// transpiling TypeScript at once start too slowly on a loaded machine.
const fixture = fileURLToPath(new URL(`../../node_modules/.cache/tripswitch-counting-peer-${process.pid}.mjs`, import.meta.url));
const flushInterval = 200;

beforeAll(async () => {
  if (!available) return;
  await build({
    entryPoints: [source],
    outfile: fixture,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  await server.start();
}, 60_000);
afterAll(async () => {
  await server.dispose();
  rmSync(fixture, { force: true });
});

type Message = Record<string, unknown> & { event: string };
interface Peer {
  readonly child: ChildProcess;
  readonly messages: Message[];
  run(outcomes: string): Promise<Message>;
}

let runs = 0;
function spawnPeer(kind: string, prefix: string, counting: object, localThreshold: number): Peer {
  const child = spawn(process.execPath, [fixture, kind, prefix, String(server.port), JSON.stringify(counting), String(localThreshold)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const messages: Message[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => messages.push(JSON.parse(line)));
  return {
    child,
    messages,
    async run(outcomes) {
      const id = ++runs;
      child.stdin?.write(`${JSON.stringify({ cmd: 'run', outcomes, id })}\n`);
      await waitFor(`run ${id}`, () => messages.some((m) => m.event === 'ran' && m.id === id), 10_000);
      return messages.find((m) => m.event === 'ran' && m.id === id) as Message;
    },
  };
}

let fleets = 0;
async function fleet(counting: object, localThreshold: number): Promise<{ peers: Peer[]; prefix: string }> {
  const prefix = `${runPrefix}{fleet-${++fleets}}:`;
  const peers = Array.from({ length: 8 }, (_, i) =>
    spawnPeer((clientKinds[i % 2] as { name: string }).name, prefix, counting, localThreshold),
  );
  try {
    await waitFor('8 peers to be ready', () => peers.every((p) => p.messages.some((m) => m.event === 'ready')), 60_000);
  } catch (error) {
    for (const p of peers) p.child.kill();
    throw error;
  }
  return { peers, prefix };
}

async function stop(peers: readonly Peer[]): Promise<void> {
  for (const p of peers) p.child.stdin?.write(`${JSON.stringify({ cmd: 'exit' })}\n`);
  await Promise.all(
    peers.map((p) => new Promise((resolve) => (p.child.exitCode === null ? p.child.once('exit', resolve) : resolve(null)))),
  );
}

const opened = (p: Peer) => p.messages.find((m) => m.event === 'state' && m.to === 'open');
const now = () => performance.timeOrigin + performance.now();

/** Failures and calls in the counts hash of the breaker. */
async function totals(prefix: string): Promise<[number, number]> {
  const redis = new Redis({ port: server.port, maxRetriesPerRequest: 1 });
  try {
    const counts = await redis.hgetall(`${prefix}breaker:shared:counts`);
    let failures = 0;
    let calls = 0;
    for (const [field, value] of Object.entries(counts)) {
      if (field.startsWith('f')) failures += Number(value);
      if (field.startsWith('n')) calls += Number(value);
    }
    return [failures, calls];
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(!available)('RedisStateStore sharedCounting across 8 processes', () => {
  it('opens all 8 within one flush interval plus propagation when each sees one eighth of the failures', async () => {
    const { peers } = await fleet({ failureThreshold: 8, flushInterval }, 5);
    try {
      // Traffic is flowing: each process sent a batch of successes a moment ago, so its failure waits for the timer.
      await Promise.all(peers.map((p) => p.run('s')));
      await new Promise((resolve) => setTimeout(resolve, flushInterval + 50));
      const sent = now();
      await Promise.all(peers.map((p) => p.run('f')));
      await waitFor('all 8 to open', () => peers.every((p) => opened(p) !== undefined), 5000);
      const delays = peers.map((p) => Number(opened(p)?.at) - sent);
      console.info(`[8 processes] open after the last failure: max ${Math.max(...delays).toFixed(1)} ms (flushInterval ${flushInterval})`);
      // A flush interval, plus the command, the publish, and process scheduling on a loaded machine.
      for (const delay of delays) expect(delay).toBeLessThan(flushInterval + 1000);
      expect(peers.map((p) => opened(p)?.reason)).toEqual(Array(8).fill('remote'));
      expect(peers.flatMap((p) => p.messages.filter((m) => m.event === 'error'))).toEqual([]);
    } finally {
      await stop(peers);
    }
  }, 120_000);

  it('opens a fleet in which every process alone stays under its threshold', async () => {
    // Locally 3 failures in a row; each process sees 2 failures in 4 calls, never 3 in a row: 16 of 32 for the fleet.
    const { peers } = await fleet({ failureThreshold: 1000, failureRate: 0.5, minimumCalls: 32, flushInterval }, 3);
    try {
      const ran = await Promise.all(peers.map((p) => p.run('ffss')));
      expect(ran.map((m) => m.state)).toEqual(Array(8).fill('closed'));
      await waitFor('all 8 to open', () => peers.every((p) => opened(p) !== undefined), 5000);
    } finally {
      await stop(peers);
    }
  }, 120_000);

  it('counts locally while Redis is stopped, and counts nothing twice once it is back', async () => {
    const { peers, prefix } = await fleet({ failureThreshold: 16, window: 60_000, flushInterval: 100 }, 4);
    try {
      await Promise.all(peers.map((p) => p.run('f')));
      await waitFor('8 failures in Redis', async () => (await totals(prefix))[0] === 8, 5000);

      await server.stop();
      const during = await Promise.all(peers.map((p) => p.run('f')));
      // Every process keeps counting with its own detector: 2 failures in a row each.
      expect(during.map((m) => [m.state, (m.local as { failures: number }).failures])).toEqual(Array(8).fill(['closed', 2]));
      await waitFor('every process to report Redis away', () => peers.every((p) => p.messages.some((m) => m.event === 'error')), 10_000);
      // Several flush intervals of failed sends (some queued by the clients, to be delivered late).
      await new Promise((resolve) => setTimeout(resolve, 500));

      await server.start();
      // The restarted server has lost the first 8; the 8 counted while it was away arrive once, however often they are sent.
      await waitFor('the outage failures in Redis', async () => (await totals(prefix).catch(() => [0]))[0] >= 8, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await totals(prefix)).toEqual([8, 8]);
      expect(peers.every((p) => opened(p) === undefined)).toBe(true);

      // The mode is back: 8 more failures make 16 and open the fleet.
      await Promise.all(peers.map((p) => p.run('f')));
      await waitFor('all 8 to open', () => peers.every((p) => opened(p) !== undefined), 5000);
      expect(peers.map((p) => opened(p)?.reason)).toEqual(Array(8).fill('remote'));
      const errors = peers.map((p) => p.messages.filter((m) => m.event === 'error').map((m) => m.code));
      expect(errors.every((codes) => codes.length === 1 && codes[0] === 'ERR_TRIPSWITCH_REDIS_UNAVAILABLE')).toBe(true);
    } finally {
      await stop(peers);
    }
  }, 180_000);
});
