// tripswitch/dashboard beside a service whose dependency fails, then recovers. Open the printed URL to
// watch the `payments` circuit go red, amber, then green again. With --once (or CI=true) the story is
// compressed into a few seconds, the program reads its own event stream to show what a browser gets,
// and exits; without it, it serves until Ctrl+C on PORT (default 3000).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, Registry } from 'tripswitch';
import { dashboard } from 'tripswitch/dashboard';

const short = process.argv.includes('--once') || process.env.CI === 'true' || process.env.CI === '1';
const scale = short ? 0.1 : 1; // every duration of the story, scaled down in the short run

const registry = new Registry();
const payments = new CircuitBreaker('payments', { registry, failureThreshold: 5, recoveryTimeout: 10_000 * scale, successThreshold: 2 });
const inventory = new CircuitBreaker('inventory', { registry, detector: 'countWindow', windowSize: 20, minimumCalls: 10 });
new CircuitBreaker('search', { registry, detector: 'slowCalls', slowCallDuration: 200 });

// The dependency behind `payments`: fine, down for a while, then back (and again, when serving long).
let paymentsUp = true;
const charge = async (): Promise<string> => {
  if (!paymentsUp) throw new Error('payments API unreachable');
  return 'charged';
};
const story = setInterval(() => {
  paymentsUp = !paymentsUp;
  console.log(`dependency ${paymentsUp ? 'recovered' : 'is failing'}`);
}, 15_000 * scale);

// Traffic: 50 calls a second through both circuits.
const traffic = setInterval(() => {
  payments.call(charge).catch(() => {});
  inventory.call(() => (Math.random() < 0.05 ? Promise.reject(new Error('stock service hiccup')) : Promise.resolve(3))).catch(() => {});
}, 20);

const circuits = dashboard({
  registry,
  intervalMs: short ? 250 : 1000,
  // Buttons only for requests this hook allows: here, anyone on this machine.
  authorize: (req) => req.socket.remoteAddress === '127.0.0.1' || req.socket.remoteAddress === '::1',
});
const server = createServer((req, res) => {
  if (req.url?.startsWith('/circuits')) return circuits(req, res);
  res.writeHead(302, { location: '/circuits' }).end();
});
server.listen(short ? 0 : Number(process.env.PORT ?? 3000), '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/circuits`;
console.log(`dashboard: ${url}`);

if (short) {
  // Read the stream like the page does, until payments has opened and closed again.
  const controller = new AbortController();
  const response = await fetch(`${url}/events`, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: string[] = [];
  const deadline = Date.now() + 20_000;
  let text = '';
  while (!seen.includes('half_open->closed') && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    for (const match of text.matchAll(/"name":"payments","from":"(\w+)","to":"(\w+)","reason":"(\w+)"/g)) {
      const step = `${match[1]}->${match[2]}`;
      if (!seen.includes(step)) {
        seen.push(step);
        console.log(`stream: payments ${step} (${match[3]})`);
      }
    }
  }
  controller.abort();
  clearInterval(story);
  clearInterval(traffic);
  circuits.close();
  server.close();
  if (!seen.includes('half_open->closed')) throw new Error(`expected payments to open and recover, saw ${seen.join(', ')}`);
}
