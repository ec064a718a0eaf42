import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, Registry } from '../src/index.js';
import { type DashboardOptions, dashboard } from '../src/integrations/dashboard/index.js';

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core). With CI=true a missing
 * Chromium fails; elsewhere the suite is skipped with one line saying how to get it.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(chromiumPath);
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!available && !inCI) console.warn('[dashboard] chromium not found: skipping the browser tests (run scripts/ensure-chromium.sh)');

const cleanups: (() => Promise<void> | void)[] = [];
let browser: Browser;

beforeAll(async () => {
  if (!available) {
    if (inCI) throw new Error(`Chromium is not installed at ${chromiumPath} (run scripts/ensure-chromium.sh); CI=true requires it`);
    return;
  }
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Serves the dashboard at /circuits and opens it in a fresh page that records console errors. */
async function open(options: Omit<DashboardOptions, 'registry' | 'logger'> = {}) {
  const registry = new Registry();
  const logger = { info: vi.fn(), warn: vi.fn() };
  const handler = dashboard({ registry, logger, ...options });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/circuits')) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => handler.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/circuits`;
  const payments = new CircuitBreaker('payments', { registry, failureThreshold: 2, recoveryTimeout: 30_000 });
  new CircuitBreaker('inventory', { registry, detector: 'countWindow', windowSize: 10 });
  const page: Page = await browser.newPage();
  cleanups.push(() => page.close());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => void d.accept());
  await page.goto(url);
  await page.locator('#conn.live').waitFor({ timeout: 5_000 });
  return { registry, logger, page, url, payments, errors };
}

describe.runIf(available || inCI)('dashboard page in Chromium', () => {
  it('shows a breaker opened in the server as open within 1 s, with its reason', async () => {
    const { page, payments, errors } = await open();
    await page.locator('[data-circuit="payments"][data-state="closed"]').waitFor({ timeout: 1_000 });
    for (let i = 0; i < 2; i++) {
      expect(() =>
        payments.call(() => {
          throw new Error('down');
        }),
      ).toThrow('down');
    }
    expect(payments.state).toBe('open');
    const card = page.locator('article[data-circuit="payments"]');
    await card.and(page.locator('[data-state="open"]')).waitFor({ timeout: 1_000 });
    await expect(card.locator('.badge').textContent()).resolves.toBe('open');
    await page.locator('#transitions li[data-circuit="payments"]').waitFor({ timeout: 1_000 });
    expect(await page.locator('#transitions li[data-circuit="payments"]').first().textContent()).toContain(
      '(failure_threshold) after 2 failures',
    );
    await expect(card.locator('.retry').textContent()).resolves.toMatch(/^trial call in \d/);
    expect(errors).toEqual([]);
  }, 20_000);

  it('shows no manual buttons without authorize, and refuses a forged action with 403', async () => {
    const { page, payments, errors } = await open();
    await page.locator('[data-circuit="payments"]').waitFor({ timeout: 1_000 });
    expect(await page.locator('button').count()).toBe(0);
    const status = await page.evaluate(() =>
      fetch('/circuits/actions?circuit=payments&action=trip', { method: 'POST', headers: { 'x-tripswitch-dashboard': '1' } }).then(
        (r) => r.status,
      ),
    );
    expect(status).toBe(403);
    expect(payments.state).toBe('closed');
    expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
  }, 20_000);

  it('hides the buttons and refuses actions when authorize denies', async () => {
    const { page, payments, logger } = await open({ authorize: () => false });
    await page.locator('[data-circuit="payments"]').waitFor({ timeout: 1_000 });
    expect(await page.locator('button').count()).toBe(0);
    const status = await page.evaluate(() =>
      fetch('/circuits/actions?circuit=payments&action=trip', { method: 'POST', headers: { 'x-tripswitch-dashboard': '1' } }).then(
        (r) => r.status,
      ),
    );
    expect(status).toBe(403);
    expect(payments.state).toBe('closed');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('not authorized'), expect.objectContaining({ outcome: 'denied' }));
  }, 20_000);

  it('trips and resets through the buttons when authorize allows, logging each action', async () => {
    const { page, payments, logger, errors } = await open({ authorize: () => true });
    const card = page.locator('article[data-circuit="payments"]');
    await card.locator('button[data-action="trip"]').click();
    await card.and(page.locator('[data-state="forced_open"]')).waitFor({ timeout: 1_000 });
    expect(payments.state).toBe('forced_open');
    await card.locator('button[data-action="reset"]').click();
    await card.and(page.locator('[data-state="closed"]')).waitFor({ timeout: 1_000 });
    expect(logger.info.mock.calls.map((c) => c[0])).toEqual([
      'tripswitch dashboard: trip circuit "payments", now forced_open',
      'tripswitch dashboard: reset circuit "payments", now closed',
    ]);
    expect(errors).toEqual([]);
  }, 20_000);
});
