// tripswitch/prometheus: state gauges, call counters by outcome and a duration histogram, scraped from
// a real prom-client registry. A breaker created after setup is picked up too; a deleted one is forgotten.
import { Registry as PromRegistry } from 'prom-client';
import { CircuitBreaker, Registry } from 'tripswitch';
import { prometheusMetrics } from 'tripswitch/prometheus';

const registry = new Registry();
const register = new PromRegistry();
const metrics = prometheusMetrics({ registry, register });

const payments = new CircuitBreaker('payments', { registry, failureThreshold: 2, fallback: () => 'queued' });
await payments.call(async () => 'ok');
for (let i = 0; i < 2; i++) await payments.call(async () => Promise.reject(new Error('503'))).catch(() => {});
await payments.call(async () => 'not run'); // rejected: the fallback answers
registry.getOrCreate('search').call(() => 'hit'); // created after prometheusMetrics()

const text = await register.metrics();
const shown = text.split('\n').filter((line) => /^tripswitch_(calls_total|circuit_state\{.*\} 1|call_duration_seconds_count)/.test(line));
console.log(shown.join('\n'));

// Per-key breakers come and go: deleting one removes its series from the next scrape at once.
registry.delete('search');
console.log(`after registry.delete('search'): ${(await register.metrics()).includes('circuit="search"') ? 'still there' : 'gone'}`);
metrics.stop();
