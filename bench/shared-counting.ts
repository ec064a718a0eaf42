// Shared counting, measured against a private redis-server (so no other client's commands are counted):
//  1. failing calls that reach a dead dependency before a fleet of 8 processes opens, with local and
//     with shared counting, at a few call rates per process;
//  2. Redis commands per second sent by one process making 10 000 calls/s on one breaker.
// Needs `redis-server` on the PATH and a build (`npm run build`). Run: node --import tsx bench/shared-counting.ts
// (`--load-only` for part 2 alone).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CircuitBreaker, ConsecutiveFailuresDetector } from 'tripswitch';
import { RedisStateStore } from 'tripswitch/redis';

const PROCESSES = 8;
const LOCAL_THRESHOLD = 5;
const FLEET_THRESHOLD = 5;
const FLUSH_MS = 250;
const RATES = process.argv.includes('--load-only') ? [] : [2, 20, 200];
const self = fileURLToPath(import.meta.url);

/** A breaker on a RedisStateStore at `port`, with or without shared counting. */
function setup(port: number, prefix: string, shared: boolean, never = false) {
  const threshold = never ? 2 ** 31 - 1 : FLEET_THRESHOLD;
  const client = new Redis({ port, maxRetriesPerRequest: 1 });
  const store = new RedisStateStore({
    client,
    prefix,
    ...(shared ? { sharedCounting: { failureThreshold: threshold, flushInterval: FLUSH_MS } } : {}),
  });
  const breaker = new CircuitBreaker('dependency', {
    store,
    registry: false,
    // Never trips: a detector instance takes any threshold (the option is bounded).
    ...(never
      ? { detector: new ConsecutiveFailuresDetector({ failureThreshold: Number.MAX_SAFE_INTEGER }) }
      : { failureThreshold: LOCAL_THRESHOLD }),
    recoveryTimeout: 60_000,
  });
  return { client, store, breaker };
}

// A worker: waits for 'go', calls a dead dependency `rate` times a second until its breaker opens, waits
// for stragglers, and prints how many calls reached the dependency.
if (process.argv[2] === '--worker') {
  const [port, prefix, mode, rate] = process.argv.slice(3);
  const { client, store, breaker } = setup(Number(port), prefix as string, mode === 'shared');
  await store.sync();
  let reached = 0;
  const dependency = () => {
    reached++;
    throw new Error('dead');
  };
  console.log('ready');
  createInterface({ input: process.stdin }).once('line', () => {
    const timer = setInterval(() => {
      try {
        breaker.call(dependency);
      } catch {}
      if (breaker.state === 'open') {
        clearInterval(timer);
        // Outcomes still on their way to the fleet; no call runs while open.
        setTimeout(async () => {
          console.log(JSON.stringify({ reached }));
          await store.close();
          client.disconnect();
          process.exit(0);
        }, 1000);
      }
    }, 1000 / Number(rate));
  });
} else if (process.argv[2] === '--load') {
  // 10 000 calls a second for 5 s on one breaker, 10 % failing, under every threshold (it stays closed).
  const [port, prefix] = process.argv.slice(3);
  const { client, store, breaker } = setup(Number(port), prefix as string, true, true);
  await store.sync();
  const start = performance.now();
  let calls = 0;
  const failing = () => Promise.reject(new Error('x'));
  const succeeding = () => calls;
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - start) * 10);
    for (; calls < due; calls++) {
      try {
        if (calls % 10 === 0) breaker.call(failing).catch(() => {});
        else breaker.call(succeeding);
      } catch {}
    }
    if (performance.now() - start >= 5000) {
      clearInterval(timer);
      console.log(JSON.stringify({ calls, seconds: (performance.now() - start) / 1000, state: breaker.state }));
      setTimeout(async () => {
        await store.close();
        client.disconnect();
        process.exit(0);
      }, 300);
    }
  }, 1);
} else await main();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tripswitch-bench-'));
  const port = await freePort();
  const pidfile = join(dir, 'redis.pid');
  execFileSync(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'].concat([
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
    ]),
  );
  const admin = new Redis({ port });
  try {
    await admin.ping();
    console.log(`Failing calls that reach a dead dependency before all ${PROCESSES} processes are open`);
    console.log(
      `(local: ${LOCAL_THRESHOLD} failures in a row per process; shared: ${FLEET_THRESHOLD} failures of the fleet, flushInterval ${FLUSH_MS} ms)`,
    );
    console.log('calls/s per process | local counting | shared counting | bound N + P·r·(T+δ), min P·L');
    let fleet = 0;
    for (const rate of RATES) {
      const figures: number[] = [];
      for (const mode of ['local', 'shared']) {
        const prefix = `{bench-${++fleet}}:`;
        figures.push(await runFleet(port, prefix, mode, rate));
      }
      const bound = Math.min(FLEET_THRESHOLD + PROCESSES * rate * (FLUSH_MS / 1000), PROCESSES * LOCAL_THRESHOLD);
      console.log(
        `${String(rate).padStart(19)} | ${String(figures[0]).padStart(14)} | ${String(figures[1]).padStart(15)} | ${bound.toFixed(0)}`,
      );
    }

    await admin.config('RESETSTAT');
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--load', String(port), '{bench-load}:'], { encoding: 'utf8' });
    const load = JSON.parse(out.trim().split('\n').at(-1) as string) as { calls: number; seconds: number; state: string };
    const info = await admin.info('commandstats');
    const count = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    const scripts = count('evalsha') + count('eval');
    const all = [...info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)].filter(([, n]) => !['info', 'config'].includes(n as string));
    const total = all.reduce((s, [, , c]) => s + Number(c), 0);
    console.log(
      `\nOne process at ${(load.calls / load.seconds).toFixed(0)} calls/s for ${load.seconds.toFixed(1)} s (10 % failing, ${load.state} throughout):`,
      `${(scripts / load.seconds).toFixed(1)} scripts/s, ${(total / load.seconds).toFixed(1)} Redis commands/s in all`,
      `(${all.map(([, n, c]) => `${n} ${c}`).join(', ')})`,
    );
  } finally {
    admin.disconnect();
    process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
  }
}

async function runFleet(port: number, prefix: string, mode: string, rate: number): Promise<number> {
  const workers = Array.from({ length: PROCESSES }, () =>
    spawn(process.execPath, ['--import', 'tsx', self, '--worker', String(port), prefix, mode, String(rate)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = workers.map((w) => {
    const list: string[] = [];
    createInterface({ input: w.stdout }).on('line', (l) => list.push(l));
    return list;
  });
  const until = async (what: string, ok: () => boolean) => {
    const start = performance.now();
    while (!ok()) {
      if (performance.now() - start > 60_000) throw new Error(`no ${what} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await until('ready workers', () => lines.every((l) => l.includes('ready')));
  for (const w of workers) w.stdin.write('go\n');
  await until('results', () => lines.every((l) => l.length >= 2));
  return lines.reduce((sum, l) => sum + (JSON.parse(l[1] as string) as { reached: number }).reached, 0);
}
