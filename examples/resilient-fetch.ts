// tripswitch/fetch: a fetch with one breaker per host, retries with backoff for idempotent requests
// and a per-request timeout, against a local server on 127.0.0.1 that fails on demand.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCircuitOpenError } from 'tripswitch';
import { createFetch } from 'tripswitch/fetch';

let failuresLeft = 2;
let requests = 0;
const uploads: number[] = [];
const server = createServer(async (req, res) => {
  requests++;
  if (req.url === '/upload') {
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    uploads.push(bytes);
    res.writeHead(503).end('try again');
    return;
  }
  if (req.url === '/flaky' && failuresLeft-- > 0) {
    res.writeHead(503, { 'retry-after': '0' }).end('busy');
    return;
  }
  if (req.url === '/broken') {
    res.writeHead(500).end('broken');
    return;
  }
  res.end(`ok ${req.method} ${req.url}`);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const http = createFetch({
  timeout: 2_000,
  retry: { retries: 2, minDelay: 10 }, // short delays keep the example quick
  breaker: { failureThreshold: 4, recoveryTimeout: 30_000 },
});

// A streamed body cannot be sent twice: the PUT goes once and its 503 comes back, nothing is lost.
async function* document() {
  yield new TextEncoder().encode('{"title":"draft"}');
}
const upload = await http(`${base}/upload`, { method: 'PUT', body: document(), duplex: 'half' } as unknown as RequestInit);
console.log(`PUT /upload (streamed body) -> ${upload.status}; bytes received per attempt: ${uploads.join(', ')}`);
requests = 0;

const flaky = await http(`${base}/flaky`);
console.log(`GET /flaky -> ${flaky.status} "${await flaky.text()}" after ${requests} requests (2 retried 503s)`);

const created = await http(`${base}/broken`, { method: 'POST' });
console.log(`POST /broken -> ${created.status} (POST is not retried)`);
const broken = await http(`${base}/broken`);
console.log(`GET /broken -> ${broken.status}: the answer that opened the breaker is returned, with no wait before it`);
const breaker = http.breakers.get(new URL(base).host);
console.log(`breaker ${breaker?.name} is ${breaker?.state}`);
try {
  await http(`${base}/flaky`);
} catch (error) {
  if (isCircuitOpenError(error)) console.log(`GET /flaky rejected at once: ${error.message}`);
}
console.log(`the server saw ${requests} more requests`);
server.close();
if (uploads.join() !== '17' || broken.status !== 500 || breaker?.state !== 'open') process.exit(1);
