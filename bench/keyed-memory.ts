/**
 * Memory of a keyed breaker under key churn: 1 000 000 distinct keys pass through `keyedCircuitBreaker`
 * with `maxKeys: 10 000`; the heap must stay at the size of 10 000 breakers, not grow with the keys.
 *
 *   node --expose-gc --import tsx bench/keyed-memory.ts           (npm run bench:keyed-memory)
 *   node --expose-gc --import tsx bench/keyed-memory.ts --smoke   (20 000 keys, maxKeys 1 000)
 *
 * Each group is named, so its breakers join a registry (an isolated one here): the registry's size shows
 * that evicted breakers leave it.
 */
import { performance } from 'node:perf_hooks';
import { keyedCircuitBreaker, Registry } from 'tripswitch';

const smoke = process.argv.includes('--smoke');
const KEYS = smoke ? 20_000 : 1_000_000;
const MAX_KEYS = smoke ? 1_000 : 10_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('Run with --expose-gc: the figures need a forced GC.');
  process.exit(1);
}

function heap(): number {
  for (let i = 0; i < 4; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface Row {
  readonly subject: string;
  readonly live: number;
  readonly registered: number;
  readonly heapGrowth: number;
  readonly peakGrowth: number;
  readonly nsPerKey: number;
}

function run(subject: string, idleTtl: number | undefined, advancePerKey: number): Row {
  let now = 0;
  const clock = { now: () => now };
  const registry = new Registry();
  const before = heap();
  const call = keyedCircuitBreaker((tenant: string) => tenant.length, {
    name: 'tenants',
    key: (tenant) => tenant,
    maxKeys: MAX_KEYS,
    clock,
    registry,
    ...(idleTtl === undefined ? {} : { idleTtl }),
  });
  let peak = 0;
  const start = performance.now();
  for (let i = 0; i < KEYS; i++) {
    call(`tenant-${i}`);
    now += advancePerKey;
    if (i % 100_000 === 99_999) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }
  const elapsed = performance.now() - start;
  const growth = heap() - before;
  const live = call.breakers.size;
  if (live > MAX_KEYS) throw new Error(`keyed memory: ${live} live breakers, more than maxKeys ${MAX_KEYS}`);
  if (registry.size !== live) throw new Error(`keyed memory: the registry holds ${registry.size} breakers, the group ${live}`);
  return {
    subject,
    live,
    registered: registry.size,
    heapGrowth: growth,
    peakGrowth: Math.max(peak, growth),
    nsPerKey: (elapsed * 1e6) / KEYS,
  };
}

const rows = [
  run(`maxKeys ${MAX_KEYS.toLocaleString('en')} (LRU only)`, undefined, 0),
  // 1 ms between keys, idle TTL 1 s: the TTL drops breakers before the LRU has to.
  run(`maxKeys ${MAX_KEYS.toLocaleString('en')}, idleTtl 1 s, a key per ms`, 1_000, 1),
];

console.log(`Keyed breakers: ${KEYS.toLocaleString('en')} distinct keys touched once each · Node ${process.version}\n`);
console.log(
  '| group | live breakers | in registry | retained heap (after GC) | per live breaker | peak heap growth (sampled) | ns per new key |',
);
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const r of rows) {
  console.log(
    `| ${r.subject} | ${r.live.toLocaleString('en')} | ${r.registered.toLocaleString('en')} | ${mb(r.heapGrowth)} | ${r.live === 0 ? '–' : `${Math.round(r.heapGrowth / r.live)} B`} | ${mb(r.peakGrowth)} | ${Math.round(r.nsPerKey).toLocaleString('en')} |`,
  );
}
