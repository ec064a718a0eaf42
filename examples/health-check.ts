// A /health/circuits endpoint that reads the registry, served by node:http on an ephemeral port.
import { createServer } from 'node:http';
import { CircuitBreaker, circuitBreaker } from 'tripswitch';

const queryDb = circuitBreaker(async (sql: string) => `rows for ${sql}`, { name: 'database' });
const callSearch = circuitBreaker(
  async (_q: string): Promise<string[]> => {
    throw new Error('search cluster unreachable');
  },
  { name: 'search', failureThreshold: 2 },
);

await queryDb('select 1');
for (let i = 0; i < 2; i++) await callSearch('tripswitch').catch(() => {});

const server = createServer((req, res) => {
  if (req.url !== '/health/circuits') {
    res.writeHead(404).end();
    return;
  }
  const health = CircuitBreaker.health(); // { status, unhealthy, circuits }
  res.writeHead(health.status === 'healthy' ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ...health, states: CircuitBreaker.getAllStates() }));
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const response = await fetch(`http://127.0.0.1:${port}/health/circuits`);
const body = (await response.json()) as { status: string; unhealthy: string[]; states: Record<string, string> };
console.log(`GET /health/circuits -> ${response.status}`, { status: body.status, unhealthy: body.unhealthy, states: body.states });
server.close();
if (response.status !== 503 || body.unhealthy[0] !== 'search') process.exit(1);
