/**
 * Figures for the operators' tools (not part of `npm run bench`): run with
 * `node --import tsx bench/observability.ts` after `npm run build`.
 *
 * 1. Registry adds with metrics attached: 20 000 breakers created with prometheusMetrics() observing the
 *    registry vs without (the goal: within 3x).
 * 2. Prometheus scrape time for 10 000 breakers that each served calls, with and without the duration histogram.
 * 3. Bytes per second the dashboard stream sends for 100 breakers at 10 000 calls/s (5 s of real time).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry as PromRegistry } from 'prom-client';
import { CircuitBreaker, Registry } from 'tripswitch';
import { dashboard } from 'tripswitch/dashboard';
import { prometheusMetrics } from 'tripswitch/prometheus';

const ms = (start: number): number => Math.round((performance.now() - start) * 10) / 10;

function createMany(count: number, withMetrics: boolean): number {
  const registry = new Registry();
  const metrics = withMetrics ? prometheusMetrics({ registry, register: new PromRegistry() }) : undefined;
  const start = performance.now();
  for (let i = 0; i < count; i++) new CircuitBreaker(`b${i}`, { registry });
  const took = ms(start);
  metrics?.stop();
  return took;
}

createMany(2_000, true); // warm-up
const without = createMany(20_000, false);
const withMetrics = createMany(20_000, true);
console.log(
  `20 000 breakers added: ${without} ms without metrics, ${withMetrics} ms with prometheusMetrics (${(withMetrics / without).toFixed(1)}x)`,
);

async function scrape(durations: boolean): Promise<void> {
  const registry = new Registry();
  const register = new PromRegistry();
  prometheusMetrics({ registry, register, durations });
  for (let i = 0; i < 10_000; i++) {
    const breaker = new CircuitBreaker(`svc-${i}`, { registry });
    breaker.call(() => 1);
    try {
      breaker.call(() => {
        throw new Error('x');
      });
    } catch {}
  }
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    size = (await register.metrics()).length;
    times.push(ms(start));
  }
  times.sort((a, b) => a - b);
  console.log(
    `scrape of 10 000 breakers (durations: ${durations}): median ${times[2]} ms (min ${times[0]}, max ${times[4]}), ${(size / 1e6).toFixed(1)} MB of text`,
  );
}
await scrape(true);
await scrape(false);

{
  const registry = new Registry();
  const breakers = Array.from({ length: 100 }, (_, i) => new CircuitBreaker(`dep-${i}`, { registry }));
  const handler = dashboard({ registry });
  const server = createServer((req, res) => handler(req, res)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  let calls = 0;
  // 100 calls every 10 ms: 10 000 calls/s spread over the 100 breakers, 5% of them failing.
  const traffic = setInterval(() => {
    for (const b of breakers) {
      calls++;
      try {
        b.call(() => {
          if (Math.random() < 0.05) throw new Error('x');
          return 1;
        });
      } catch {}
    }
  }, 10);
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let first = true;
  let bytes = 0;
  const start = performance.now();
  while (performance.now() - start < 5_000) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first)
      first = false; // the snapshot: once per client, not per second
    else bytes += value.byteLength;
  }
  const seconds = (performance.now() - start) / 1000;
  controller.abort();
  clearInterval(traffic);
  handler.close();
  server.close();
  console.log(
    `dashboard stream, 100 breakers at ${Math.round(calls / seconds)} calls/s: ${Math.round(bytes / seconds)} bytes/s after the snapshot`,
  );
}
