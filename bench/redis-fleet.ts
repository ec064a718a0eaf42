// The fleet's figures on a private redis-server (a random high port, stopped at the end):
// 1. idle cost: NAMES closed breakers in each of STORES stores (one client each, as separate processes
//    would have), nothing happening: Redis commands/s, bytes/s (in + out) and Redis CPU ms/s;
// 2. propagation of an open to a peer store (p50/p99) and probes per recovery across STORES stores.
// Run: node --import tsx bench/redis-fleet.ts [names=10000] [stores=4] [seconds=30]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CircuitBreaker } from '../src/index.js';
import { RedisStateStore } from '../src/redis/index.js';

const names = Number(process.argv[2] ?? 10_000);
const storeCount = Number(process.argv[3] ?? 4);
const seconds = Number(process.argv[4] ?? 30);

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const address = server.address();
    server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'tripswitch-bench-'));
const pidfile = join(dir, 'redis.pid');
execFileSync('redis-server', [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--daemonize',
  'yes',
  '--pidfile',
  pidfile,
  '--dir',
  dir,
]);
const admin = new Redis({ port });
await admin.ping();

async function stats(): Promise<{ commands: number; bytes: number; cpuMs: number }> {
  const info = String(await admin.info('all'));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  let commands = 0;
  for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) if (m[1] !== 'info') commands += Number(m[2]);
  return {
    commands,
    bytes: field('total_net_input_bytes') + field('total_net_output_bytes'),
    cpuMs: (field('used_cpu_sys') + field('used_cpu_user')) * 1000,
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

try {
  const clients = Array.from({ length: storeCount }, () => new Redis({ port }));
  const stores = clients.map((client) => new RedisStateStore({ client, prefix: 'bench:' }));
  const errors: string[] = [];
  for (const store of stores) store.on('error', (error) => errors.push(error.code));
  const fleets = stores.map((store) =>
    Array.from(
      { length: names },
      (_, i) => new CircuitBreaker(`name-${i}`, { store, registry: false, failureThreshold: 1, recoveryTimeout: 200 }),
    ),
  );
  await Promise.all(stores.map((s) => s.sync()));
  await new Promise((resolve) => setTimeout(resolve, 6000)); // past the first reconcile after attaching
  const before = await stats();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await stats();
  const elapsed = (performance.now() - start) / 1000;
  const idle = {
    names,
    stores: storeCount,
    seconds: Number(elapsed.toFixed(1)),
    commandsPerSecond: Number(((after.commands - before.commands) / elapsed).toFixed(2)),
    bytesPerSecond: Math.round((after.bytes - before.bytes) / elapsed),
    redisCpuMsPerSecond: Number(((after.cpuMs - before.cpuMs) / elapsed).toFixed(2)),
  };
  console.log(JSON.stringify({ idle }));

  // Propagation and probes per recovery, on a few names of the same fleet.
  const delays: number[] = [];
  const probes: number[] = [];
  for (let round = 0; round < Math.min(50, names); round++) {
    const group = fleets.map((fleet) => fleet[round] as CircuitBreaker);
    const [first, ...peers] = group as [CircuitBreaker, ...CircuitBreaker[]];
    const opened = performance.now();
    const seen = peers.map(
      (peer) =>
        new Promise<void>((resolve) => {
          const off = peer.on('stateChange', (e) => {
            if (e.to !== 'open') return;
            delays.push(performance.now() - opened);
            off();
            resolve();
          });
        }),
    );
    try {
      first.call(() => {
        throw new Error('down');
      });
    } catch {}
    await Promise.all(seen);
    let ran = 0;
    const deadline = performance.now() + 5000;
    while (!group.every((b) => b.state === 'closed') && performance.now() < deadline) {
      for (const b of group) {
        try {
          b.call(() => {
            // A probe is a call the breaker runs while half-open (a closed peer's calls are not).
            if (b.state !== 'half_open') return;
            ran++;
          });
        } catch {}
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    probes.push(ran);
  }
  console.log(
    JSON.stringify({
      propagation: {
        p50Ms: Number(percentile(delays, 50).toFixed(2)),
        p99Ms: Number(percentile(delays, 99).toFixed(2)),
        samples: delays.length,
      },
      probesPerRecovery: { median: percentile(probes, 50), max: Math.max(...probes), rounds: probes.length },
      storeErrors: errors,
    }),
  );
  for (const s of stores) await s.close();
  for (const c of clients) c.disconnect();
} finally {
  admin.disconnect();
  process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  rmSync(dir, { recursive: true, force: true });
}
