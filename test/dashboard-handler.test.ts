import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, Registry } from '../src/index.js';
import { type DashboardHandler, type DashboardOptions, dashboard } from '../src/integrations/dashboard/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A node:http server with the dashboard under /circuits, and a logger that records. */
async function serve(options: Omit<DashboardOptions, 'registry' | 'logger'> = {}) {
  const registry = new Registry();
  const logger = { info: vi.fn(), warn: vi.fn() };
  const handler = dashboard({ registry, logger, ...options });
  cleanups.push(() => handler.close());
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/circuits')) handler(req, res);
    else res.writeHead(404).end();
  });
  return { registry, logger, handler, url: `${await listen(server)}/circuits` };
}

const act = (url: string, circuit: string, action: string, headers: Record<string, string> = { 'x-tripswitch-dashboard': '1' }) =>
  fetch(`${url}/actions?circuit=${encodeURIComponent(circuit)}&action=${action}`, { method: 'POST', headers });

/** Reads the event stream until `done(text)` holds. */
async function readEvents(url: string, done: (text: string) => boolean): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`${url}/events`, { signal: controller.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value);
  }
  controller.abort();
  return text;
}

describe('dashboard handler', () => {
  it('serves one self-contained page with a strict CSP, and no buttons without authorize', async () => {
    const { url } = await serve();
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    const html = await response.text();
    // Nothing fetched from elsewhere: the only URL is the SVG namespace, an identifier.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('"canAct":false');
  });

  it('streams a snapshot, then a transition within the push gap', async () => {
    const { registry, url } = await serve();
    const breaker = new CircuitBreaker('payments', { registry });
    const text = await readEvents(url, (t) => {
      if (t.includes('event: snapshot') && breaker.state === 'closed') breaker.trip();
      return t.includes('"to":"forced_open"');
    });
    expect(text).toContain('"name":"payments"');
    expect(text).toMatch(/event: update\ndata: \{.*"reason":"manual_trip"/);
  });

  it('refuses every action when read-only, and logs the refusal', async () => {
    const { registry, logger, url } = await serve();
    const breaker = new CircuitBreaker('payments', { registry });
    const response = await act(url, 'payments', 'trip');
    expect(response.status).toBe(403);
    expect(breaker.state).toBe('closed');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('read-only'),
      expect.objectContaining({ circuit: 'payments', outcome: 'read_only' }),
    );
  });

  it('refuses an action that authorize denies (or throws on), or that lacks the page header', async () => {
    let verdict: () => boolean = () => false;
    const { registry, logger, url } = await serve({ authorize: () => verdict() });
    const breaker = new CircuitBreaker('payments', { registry });
    expect((await act(url, 'payments', 'trip')).status).toBe(403);
    verdict = () => {
      throw new Error('auth down');
    };
    expect((await act(url, 'payments', 'trip')).status).toBe(403);
    verdict = () => true;
    expect((await act(url, 'payments', 'trip', {})).status).toBe(403);
    expect(breaker.state).toBe('closed');
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(await (await fetch(url)).text()).toContain('"canAct":true');
  });

  it('performs authorized actions and logs each one', async () => {
    const seen: IncomingMessage[] = [];
    const { registry, logger, url } = await serve({
      authorize: async (req) => {
        seen.push(req);
        return req.headers.authorization === 'Bearer ops';
      },
    });
    const breaker = new CircuitBreaker('payments', { registry });
    const headers = { 'x-tripswitch-dashboard': '1', authorization: 'Bearer ops' };
    const response = await act(url, 'payments', 'trip', headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ circuit: 'payments', state: 'forced_open' });
    expect(breaker.state).toBe('forced_open');
    expect((await act(url, 'payments', 'disable', headers)).status).toBe(200);
    expect((await act(url, 'payments', 'reset', headers)).status).toBe(200);
    expect(breaker.state).toBe('closed');
    expect(logger.info.mock.calls.map((c) => c[0])).toEqual([
      'tripswitch dashboard: trip circuit "payments", now forced_open',
      'tripswitch dashboard: disable circuit "payments", now disabled',
      'tripswitch dashboard: reset circuit "payments", now closed',
    ]);
    expect((await act(url, 'payments', 'explode', headers)).status).toBe(400);
    expect((await act(url, 'nobody', 'trip', headers)).status).toBe(404);
    expect((await fetch(`${url}/actions`)).status).toBe(405);
    expect(seen.length).toBeGreaterThan(0);
  });
});

describe('dashboard in frameworks', () => {
  async function check(url: string, registry: Registry, handler: DashboardHandler): Promise<void> {
    cleanups.push(() => handler.close());
    const breaker = new CircuitBreaker('svc', { registry });
    expect(await (await fetch(url)).text()).toContain('<title>Circuit breakers</title>');
    expect((await act(url, 'svc', 'trip')).status).toBe(200);
    expect(breaker.state).toBe('forced_open');
    expect(await readEvents(url, (t) => t.includes('event: snapshot'))).toContain('"state":"forced_open"');
  }

  it('mounts in Express with app.use(path, handler)', async () => {
    const registry = new Registry();
    const handler = dashboard({ registry, authorize: () => true, logger: { info() {}, warn() {} } });
    const app = express();
    app.use('/ops/circuits', handler);
    const base = await listen(createServer(app));
    await check(`${base}/ops/circuits`, registry, handler);
  });

  it('mounts in Fastify through reply.hijack() and the raw request and response', async () => {
    const registry = new Registry();
    const handler = dashboard({ registry, authorize: () => true, logger: { info() {}, warn() {} } });
    const app = Fastify();
    app.route({
      method: ['GET', 'POST'],
      url: '/circuits/*',
      handler: (req, reply) => {
        reply.hijack();
        handler(req.raw, reply.raw);
      },
    });
    app.get('/circuits', (req, reply) => {
      reply.hijack();
      handler(req.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    await check(`http://127.0.0.1:${port}/circuits`, registry, handler);
  });
});

describe('dashboard action logger', () => {
  it('still answers a performed action when the logger throws, and says so on stderr', async () => {
    const registry = new Registry();
    const handler = dashboard({
      registry,
      authorize: () => true,
      logger: {
        info() {
          throw new Error('log sink down');
        },
        warn() {},
      },
    });
    cleanups.push(() => handler.close());
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const url = `${await listen(createServer((req, res) => handler(req, res)))}/circuits`;
    const breaker = new CircuitBreaker('payments', { registry });
    expect((await act(url, 'payments', 'trip')).status).toBe(200);
    expect(breaker.state).toBe('forced_open');
    expect(stderr).toHaveBeenCalledWith('tripswitch dashboard: the logger threw', expect.any(Error));
  });
});
