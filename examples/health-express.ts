// Express 5: an error handler turns CircuitOpenError into 503 + Retry-After; /health/circuits reports
// the registry. Listens on an ephemeral port on 127.0.0.1 and closes when done.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CircuitBreaker, Registry } from 'tripswitch';
import { circuitOpenHandler, healthResponse, sendHttpResponse } from 'tripswitch/http';

const registry = new Registry();
const users = new CircuitBreaker('users-db', { registry, failureThreshold: 1, recoveryTimeout: 10_000 });
const findUser = async (id: string): Promise<{ id: string }> => {
  throw new Error(`connection refused while loading ${id}`);
};

const app = express();
app.get('/health/circuits', (_req, res) => sendHttpResponse(res, healthResponse({ registry })));
app.get('/users/:id', async (req, res) => {
  res.json(await users.call(findUser, req.params.id));
});
app.use(circuitOpenHandler());
app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(500).json({ error: error.message });
});

const server: Server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
for (const path of ['/users/1', '/users/2', '/health/circuits']) {
  const response = await fetch(base + path);
  const retryAfter = response.headers.get('retry-after');
  console.log(`GET ${path} -> ${response.status}${retryAfter === null ? '' : ` (Retry-After: ${retryAfter})`} ${await response.text()}`);
}
server.close();
