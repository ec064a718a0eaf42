// Heap retained by createFetch after requests to 1 000 000 distinct hosts, with eviction (maxHosts 1000, the
// default) and, for scale, without it (maxHosts unbounded, 100 000 hosts). The fetch is a stub that answers
// 200 at once, so only the client's own bookkeeping is measured; the host breakers join a registry.
// Run: node --expose-gc --import tsx bench/http-hosts-memory.ts
import { Registry } from '../src/index.js';
import { createFetch } from '../src/integrations/fetch.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const answer = { status: 200, headers: new Headers(), body: null } as unknown as Response;
const stub = (async () => answer) as typeof fetch;

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function measure(hosts: number, maxHosts: number): Promise<{ heapMb: number; breakers: number; registered: number }> {
  const registry = new Registry();
  const http = createFetch({ fetch: stub, registry, maxHosts });
  const before = heapMb();
  for (let i = 0; i < hosts; i++) await http(`http://h${i}.example.test/`);
  const after = heapMb();
  const result = { heapMb: after - before, breakers: http.breakers.size, registered: registry.size };
  return result;
}

const rows = [];
const started = performance.now();
rows.push({ hosts: 1_000_000, maxHosts: 1000, ...(await measure(1_000_000, 1000)) });
rows.push({ hosts: 100_000, maxHosts: 'unbounded', ...(await measure(100_000, 2 ** 31 - 1)) });
console.table(rows.map((r) => ({ ...r, heapMb: r.heapMb.toFixed(1) })));
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
