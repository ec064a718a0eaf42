// Regenerates docs/dashboard.png, the README's picture of tripswitch/dashboard: a few breakers in every
// colour with live traffic, shot in headless Chromium. Run `npm run build` first, then
// `node scripts/screenshot-dashboard.mjs` (Chromium from scripts/ensure-chromium.sh, or CHROMIUM_PATH).
import { once } from 'node:events';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { CircuitBreaker, Registry } from 'tripswitch';
import { dashboard } from 'tripswitch/dashboard';

const registry = new Registry();
const make = (name, options = {}) => new CircuitBreaker(name, { registry, ...options });
const payments = make('payments', { failureThreshold: 5, recoveryTimeout: 45_000 });
const inventory = make('inventory', { detector: 'countWindow', windowSize: 50, minimumCalls: 10 });
const search = make('search', { detector: 'slowCalls', slowCallDuration: 200, windowSize: 40 });
const email = make('email', { failureThreshold: 3, recoveryTimeout: 1_000, successThreshold: 50 });
make('legacy-ledger').trip();
make('recommendations').disable();

let tick = 0;
const fail = () => Promise.reject(new Error('down'));
/** Runs one call, ignoring its outcome (an open breaker's rejection included). */
const run = (breaker, fn) => {
  try {
    breaker.call(fn).catch(() => {});
  } catch {}
};
const traffic = setInterval(() => {
  tick++;
  const burst = 3 + Math.round(3 * Math.sin(tick / 15));
  for (let i = 0; i < burst; i++) {
    run(inventory, () => (Math.random() < 0.12 ? fail() : Promise.resolve(1)));
    run(search, () => Promise.resolve(1));
  }
  // payments works, then its dependency goes down for good.
  run(payments, () => (tick > 120 ? fail() : Promise.resolve(1)));
  // email flaps: failing bursts open it, its trials keep it half-open for a while.
  run(email, () => (tick % 80 < 20 ? fail() : Promise.resolve(1)));
}, 20);

const handler = dashboard({
  registry,
  intervalMs: 250,
  historySize: 40,
  authorize: () => true,
  title: 'checkout-service · circuit breakers',
});
const server = createServer((req, res) => handler(req, res)).listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: 'dark', deviceScaleFactor: 1 });
await page.goto(url);
await page.locator('[data-circuit="payments"][data-state="open"]').waitFor({ timeout: 20_000 });
await page.waitForTimeout(6_000); // let the sparklines fill after the opening
const target = new URL('../docs/dashboard.png', import.meta.url).pathname;
await page.screenshot({ path: target });
console.log(`wrote ${target}`);
await browser.close();
clearInterval(traffic);
handler.close();
server.close();
