// Cost per call of a closed breaker with RedisStateStore attached, against the in-memory default and
// no store at all; then the delay before a peer (own client, own store) learns that a breaker opened.
// Needs Redis at 127.0.0.1:6379. Run: node --import tsx bench/redis-overhead.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CircuitBreaker, MemoryStateStore } from 'tripswitch';
import { RedisStateStore } from 'tripswitch/redis';

const calls = 5_000_000;
const rounds = 5;
const prefix = `tripswitch-bench:${process.pid}:`;
const configs = ['no store', 'MemoryStateStore', 'RedisStateStore'] as const;
type Config = (typeof configs)[number];

// Each measurement runs in a fresh process, so one configuration's JIT history cannot slow another's.
if (process.argv[2] === '--measure') {
  const config = process.argv[3] as Config;
  const client = config === 'RedisStateStore' ? new Redis() : undefined;
  const store =
    config === 'no store'
      ? undefined
      : client === undefined
        ? new MemoryStateStore()
        : new RedisStateStore({ client, prefix: `${prefix}m:` });
  if (store instanceof RedisStateStore) await store.sync();
  const breaker = new CircuitBreaker('bench', store === undefined ? { registry: false } : { registry: false, store });
  const call = breaker.wrap((n: number) => n + 1);
  let sum = 0;
  for (let i = 0; i < 200_000; i++) sum += call(i);
  const start = performance.now();
  for (let i = 0; i < calls; i++) sum += call(i);
  const ns = ((performance.now() - start) * 1e6) / calls;
  console.log(JSON.stringify({ ns, sum }));
  if (store instanceof RedisStateStore) await store.close();
  client?.disconnect();
  process.exit(0);
}

const samples = new Map<Config, number[]>(configs.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  for (const config of configs) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', config], {
      encoding: 'utf8',
    });
    samples.get(config)?.push((JSON.parse(out) as { ns: number }).ns);
  }
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`closed breaker, sync success, ${calls} calls per run, median of ${rounds} fresh processes:`);
for (const [config, xs] of samples) console.log(`  ${config.padEnd(18)} ${median(xs).toFixed(1)} ns/call`);
const ratio = median(samples.get('RedisStateStore') ?? []) / median(samples.get('MemoryStateStore') ?? []);
console.log(`  RedisStateStore / MemoryStateStore: ${ratio.toFixed(2)}x (goal <= 1.2x)`);

const clients = [new Redis(), new Redis()];
const [first, second] = clients as [Redis, Redis];
const redisStore = new RedisStateStore({ client: first, prefix });

// Propagation: a opens (one failure), b (another client and store) sees stateChange 'remote'.
const peerStore = new RedisStateStore({ client: second, prefix });
const options = { registry: false as const, failureThreshold: 1, recoveryTimeout: 60_000 };
const a = new CircuitBreaker('propagation', { ...options, store: redisStore });
const b = new CircuitBreaker('propagation', { ...options, store: peerStore });
await Promise.all([redisStore.sync(), peerStore.sync()]);
const delays: number[] = [];
/** A bench must end: every wait is bounded. */
function within<T>(promise: Promise<T>, what: string, ms = 2000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref()),
  ]);
}
for (let i = 0; i < 200; i++) {
  const seen = new Promise<number>((resolve) => {
    const off = b.on('stateChange', (e) => {
      if (e.to === 'open') {
        off();
        resolve(performance.now());
      }
    });
  });
  const start = performance.now();
  try {
    a.call(() => {
      throw new Error('down');
    });
  } catch {}
  delays.push((await within(seen, `open #${i} to reach the peer`)) - start);
  const closed = new Promise<void>((resolve) => {
    const off = b.on('stateChange', (e) => {
      if (e.to !== 'closed') return;
      off();
      resolve();
    });
  });
  a.reset();
  await within(closed, `close #${i} to reach the peer`);
}
const sorted = [...delays].sort((x, y) => x - y);
const pct = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN).toFixed(2);
console.log(`propagation of open to a peer on loopback, ${delays.length} opens: p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms`);

await redisStore.close();
await peerStore.close();
const keys = await first.keys(`${prefix}*`);
if (keys.length > 0) await first.del(...keys);
for (const c of clients) c.disconnect();
