// Fastify 5: setErrorHandler answers CircuitOpenError with 503 + Retry-After and leaves other errors to
// Fastify. Listens on an ephemeral port on 127.0.0.1 and closes when done.
import Fastify from 'fastify';
import { CircuitBreaker, Registry } from 'tripswitch';
import { healthResponse, respondCircuitOpen, sendHttpResponse } from 'tripswitch/http';

const registry = new Registry();
const inventory = new CircuitBreaker('inventory', { registry, failureThreshold: 1, recoveryTimeout: 5_000 });
inventory.trip(); // an operator forced it open during an incident

const app = Fastify();
app.get('/health/circuits', async (_request, reply) => sendHttpResponse(reply, healthResponse({ registry })));
app.get('/stock/:sku', async () => inventory.call(async () => ({ sku: 'A1', count: 3 })));
app.setErrorHandler((error, _request, reply) => {
  // A forced-open breaker has no known recovery time; ask clients to come back in a minute.
  if (!respondCircuitOpen(error, reply, { defaultRetryAfterSeconds: 60 })) reply.send(error);
});

const base = await app.listen({ port: 0, host: '127.0.0.1' });
for (const path of ['/stock/A1', '/health/circuits']) {
  const response = await fetch(base + path);
  const retryAfter = response.headers.get('retry-after');
  console.log(`GET ${path} -> ${response.status}${retryAfter === null ? '' : ` (Retry-After: ${retryAfter})`} ${await response.text()}`);
}
await app.close();
