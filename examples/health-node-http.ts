// A node:http server with a /health/circuits endpoint and a route that answers 503 + Retry-After
// while its breaker is open. Runs on an ephemeral port on 127.0.0.1, prints what it sees, and exits.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, Registry } from 'tripswitch';
import { healthResponse, respondCircuitOpen, sendHttpResponse } from 'tripswitch/http';

const registry = new Registry();
const payments = new CircuitBreaker('payments', { registry, failureThreshold: 2, recoveryTimeout: 30_000 });
let paymentsUp = false;
const charge = async (): Promise<string> => {
  if (!paymentsUp) throw new Error('payments API unreachable');
  return 'charged';
};

const server = createServer(async (req, res) => {
  if (req.url === '/health/circuits') return sendHttpResponse(res, healthResponse({ registry }));
  try {
    res.end(await payments.call(charge));
  } catch (error) {
    if (respondCircuitOpen(error, res)) return;
    res.statusCode = 502;
    res.end(String(error));
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function show(path: string): Promise<void> {
  const response = await fetch(base + path);
  const retryAfter = response.headers.get('retry-after');
  console.log(`GET ${path} -> ${response.status}${retryAfter === null ? '' : ` (Retry-After: ${retryAfter})`} ${await response.text()}`);
}

await show('/health/circuits');
await show('/pay');
await show('/pay');
await show('/pay'); // the breaker is open now: 503 without calling the payments API
const health = registry.health();
console.log(`health: ${health.status}, unhealthy: ${health.unhealthy.join(', ')}`);
paymentsUp = true;
server.close();
