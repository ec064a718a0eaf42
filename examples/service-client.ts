// The guide's ExternalServiceClient with tripswitch/service: per-service config (base URL, headers, timeout,
// retries with backoff, breaker settings, a health endpoint polled on an interval), a service registry,
// the health of every service, and a per-host client (the guide's ResilientHTTPClient) on tripswitch/fetch.
// Two local servers on 127.0.0.1 play the services; one of them goes down and comes back.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { externalService, isCircuitOpenError } from 'tripswitch';
import { createFetch } from 'tripswitch/fetch';
import { createService, isServiceResponseError, readAnswer, ServiceRegistry } from 'tripswitch/service';

let paymentsUp = true;
function answer(url: string | undefined, authorization: string | undefined): [number, unknown] {
  if (url === '/users/v1/users/42') return [200, { id: '42', name: 'Ada', auth: authorization }];
  if (url === '/users/v1/users/404') return [404, { error: 'not_found' }];
  if (url?.startsWith('/payments/') && !paymentsUp) return [503, { error: 'maintenance' }];
  if (url === '/payments/charge') return [200, { charged: true }];
  return [200, { ok: true }];
}
const server = createServer((req, res) => {
  const [status, body] = answer(req.url, req.headers.authorization);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// register_service(name, config) for each entry of the guide's config.
const services = new ServiceRegistry();
const users = createService({
  name: 'users',
  baseUrl: `${base}/users/v1`, // base_url
  headers: { authorization: 'Bearer demo-token' }, // headers
  timeout: 5_000, // timeout
  retry: { retries: 3, minDelay: 10 }, // max_retries, backoff (short here so the demo is quick)
  breaker: { failureThreshold: 5, recoveryTimeout: 30_000 }, // circuit breaker settings
  healthCheck: { path: 'health', interval: 30_000 }, // health_check_endpoint, health_check_interval
  registry: services,
});
const payments = createService({
  name: 'payments',
  baseUrl: `${base}/payments`,
  retry: { retries: 1, minDelay: 10 },
  breaker: externalService('payments', { failureThreshold: 2, successThreshold: 1 }), // a preset works too
  healthCheck: { path: 'health', interval: 30_000, recover: true }, // a passing check ends an open period early
  registry: services,
});

// get_service(name): the client, or undefined for an unknown name.
console.log('get_service("users") ->', services.get('users') === users, '| get_service("nope") ->', services.get('nope'));

// A call returns parsed JSON; a non-2xx answer raises ServiceResponseError with its status and body.
const user = await users.get<{ id: string; name: string; auth: string }>('users/42');
console.log('GET users/42 ->', user);
try {
  await users.get('users/404');
} catch (error) {
  if (isServiceResponseError(error)) console.log(`GET users/404 -> ServiceResponseError ${error.status}`, error.body);
}

// payments goes down: 503s count, the breaker opens, and calls fail fast.
paymentsUp = false;
for (let i = 1; i <= 2; i++) {
  const error = await payments.post('charge', { amount: 5 }).catch((e: unknown) => e);
  console.log(`POST charge #${i} ->`, isServiceResponseError(error) ? `${error.status} ${JSON.stringify(error.body)}` : error);
}
const rejected = await payments.post('charge', { amount: 5 }).catch((e: unknown) => e);
console.log('POST charge while open ->', isCircuitOpenError(rejected) ? 'CircuitOpenError (no request sent)' : rejected);

// get_all_services_health(): each service's breaker state and last health check.
await payments.checkHealth();
const report = services.health();
const lines = Object.values(report.services).map((s) => `${s.name}: ${s.state}, last check ${s.lastCheck?.healthy ? 'passed' : 'failed'}`);
console.log('health ->', report.status, lines);

// payments comes back: the next passing health check moves the breaker to half-open without waiting 30 s.
paymentsUp = true;
const check = await payments.checkHealth();
console.log(`health check passed, recovered: ${check.recovered}; breaker is ${payments.breaker.state}`);
console.log('POST charge (trial) ->', await payments.post('charge', { amount: 5 }), '| breaker', payments.breaker.state);

// The guide's ResilientHTTPClient: one breaker per host, 5 s timeout, raise-for-status, JSON back.
const http = createFetch({ timeout: 5_000, retry: true });
const url = `${base}/users/v1/users/42`;
const body = await readAnswer<{ name: string }>((await http(url)) as never, { service: 'http', method: 'GET', url });
console.log(`per-host client GET -> ${body.name}; breakers: ${[...http.breakers.keys()].join(', ')}`);

services.close(); // stops every health check: no timer is left
server.close();
if (payments.breaker.state !== 'closed' || user.name !== 'Ada' || !check.recovered || report.status !== 'degraded') process.exit(1);
