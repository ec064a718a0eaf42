import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, Registry } from '../src/index.js';
import {
  circuitOpenHandler,
  healthResponse,
  respondCircuitOpen,
  retryAfterSeconds,
  sendHttpResponse,
  toFetchResponse,
  toHttpResponse,
} from '../src/integrations/http.js';

const open = (retryAfterMs: number | null, state: 'open' | 'half_open' | 'forced_open' = 'open') =>
  new CircuitOpenError({ breakerName: 'payments', state, retryAfterMs });

function openBreaker(registry: Registry, name: string, now: { t: number }): CircuitBreaker {
  const breaker = new CircuitBreaker(name, { registry, failureThreshold: 1, recoveryTimeout: 30_000, clock: { now: () => now.t } });
  expect(() =>
    breaker.call(() => {
      throw new Error('down');
    }),
  ).toThrow('down');
  now.t += 2_500; // 27.5 s of the recovery timeout left: Retry-After rounds up to 28
  return breaker;
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of servers.splice(0)) await close();
});

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('toHttpResponse', () => {
  it('turns a CircuitOpenError into 503 with Retry-After in whole seconds, rounded up', () => {
    const answer = toHttpResponse(open(27_001));
    expect(answer?.status).toBe(503);
    expect(answer?.headers['retry-after']).toBe('28');
    expect(answer?.body).toMatchObject({ error: 'service_unavailable', circuit: 'payments', state: 'open', retryAfterSeconds: 28 });
  });

  it('gives at least one second while half-open', () => {
    expect(toHttpResponse(open(0, 'half_open'))?.headers['retry-after']).toBe('1');
    expect(retryAfterSeconds(open(0))).toBe(1);
  });

  it('omits Retry-After when the time is unknown, unless a default is given', () => {
    expect(toHttpResponse(open(null, 'forced_open'))?.headers).not.toHaveProperty('retry-after');
    expect(toHttpResponse(open(null, 'forced_open'), { defaultRetryAfterSeconds: 60 })?.headers['retry-after']).toBe('60');
  });

  it('returns undefined for any other error', () => {
    expect(toHttpResponse(new Error('boom'))).toBeUndefined();
    expect(toHttpResponse('text')).toBeUndefined();
  });
});

describe('toFetchResponse', () => {
  it('builds a WHATWG Response with 503, Retry-After and the JSON body', async () => {
    const response = toFetchResponse(open(1_500));
    expect(response?.status).toBe(503);
    expect(response?.headers.get('retry-after')).toBe('2');
    expect(await response?.json()).toMatchObject({ circuit: 'payments', retryAfterSeconds: 2 });
    expect(toFetchResponse(new Error('other'))).toBeUndefined();
  });
});

describe('respondCircuitOpen', () => {
  it('answers 503 with Retry-After over real HTTP from a node:http server', async () => {
    const registry = new Registry();
    const now = { t: 0 };
    const breaker = openBreaker(registry, 'payments', now);
    const url = await listen(
      createServer((_req, res) => {
        try {
          breaker.call(() => 'never');
          res.end('ok');
        } catch (error) {
          if (!respondCircuitOpen(error, res)) {
            res.statusCode = 500;
            res.end();
          }
        }
      }),
    );
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('28');
    expect(await response.json()).toMatchObject({ circuit: 'payments', state: 'open' });
  });

  it('answers through a Fastify reply and leaves other errors to Fastify', async () => {
    const registry = new Registry();
    const now = { t: 0 };
    const breaker = openBreaker(registry, 'inventory', now);
    const app = Fastify();
    app.get('/stock', async () => breaker.call(async () => 'never'));
    app.get('/bug', async () => {
      throw new Error('bug');
    });
    app.setErrorHandler((error, _request, reply) => {
      if (!respondCircuitOpen(error, reply)) reply.code(500).send({ error: 'internal' });
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(() => app.close());
    const response = await fetch(`${address}/stock`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('28');
    expect(await response.json()).toMatchObject({ circuit: 'inventory' });
    expect((await fetch(`${address}/bug`)).status).toBe(500);
  });
});

describe('circuitOpenHandler', () => {
  it('answers 503 from an Express 5 app and passes other errors on', async () => {
    const registry = new Registry();
    const now = { t: 0 };
    const breaker = openBreaker(registry, 'users', now);
    const app = express();
    app.get('/users', async (_req, res) => {
      res.send(await breaker.call(async () => 'never'));
    });
    app.get('/bug', () => {
      throw new Error('bug');
    });
    app.use(circuitOpenHandler());
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send('other');
    });
    const url = await listen(app.listen(0, '127.0.0.1') as unknown as Server);
    const response = await fetch(`${url}/users`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('28');
    expect(await response.json()).toMatchObject({ circuit: 'users', retryAfterSeconds: 28 });
    const other = await fetch(`${url}/bug`);
    expect(other.status).toBe(500);
    expect(await other.text()).toBe('other');
  });
});

describe('healthResponse', () => {
  it('serves the registry health as JSON, 200 while healthy and degradedStatus while degraded', async () => {
    const registry = new Registry();
    const now = { t: 0 };
    new CircuitBreaker('ok', { registry });
    const url = await listen(createServer((_req, res) => sendHttpResponse(res, healthResponse({ registry, degradedStatus: 503 }))));
    const healthy = await fetch(url);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: 'healthy', unhealthy: [] });
    openBreaker(registry, 'payments', now);
    const degraded = await fetch(url);
    expect(degraded.status).toBe(503);
    expect(degraded.headers.get('cache-control')).toBe('no-store');
    const body = await degraded.json();
    expect(body).toMatchObject({ status: 'degraded', unhealthy: ['payments'] });
    expect(body.circuits.payments.state).toBe('open');
  });

  it('answers 200 while degraded by default', () => {
    const registry = new Registry();
    new CircuitBreaker('x', { registry }).trip();
    const answer = healthResponse({ registry });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'degraded', unhealthy: ['x'] });
  });
});
