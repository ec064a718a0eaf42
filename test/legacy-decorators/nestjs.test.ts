// The NestJS example app (examples/nestjs) under test: tripswitch must not change what Nest reads from a method.
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogController, CatalogService, ReportsController, startApp } from '../../examples/nestjs/app.js';
import { CircuitBreaker } from '../../src/index.js';

type Started = Awaited<ReturnType<typeof startApp>>;
let started: Started | undefined;

async function app(): Promise<string> {
  started = await startApp();
  return started.url;
}

afterEach(async () => {
  await started?.app.close();
  started = undefined;
  // The testing recipe: breakers are process-wide, so each test starts from closed ones.
  CircuitBreaker.resetAll();
});

describe('@circuitBreaker in a NestJS app', () => {
  it('keeps a guarded route guarded, whichever side of @UseGuards it is listed', async () => {
    const url = await app();
    for (const route of ['summary', 'export', 'daily']) {
      expect((await fetch(`${url}/reports/${route}`)).status).toBe(403);
      expect((await fetch(`${url}/reports/${route}`, { headers: { 'x-role': 'user' } })).status).toBe(403);
      expect((await fetch(`${url}/reports/${route}`, { headers: { 'x-role': 'admin' } })).status).toBe(200);
    }
  });

  it('keeps the route mapped and @HttpCode / @SetMetadata in force when listed above them', async () => {
    const url = await app();
    const response = await fetch(`${url}/reports/rebuild`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-audit')).toBe('rebuild');
    await expect(response.json()).resolves.toEqual({ queued: true });
  });

  it('keeps the method name and length Nest and stack traces read', () => {
    const { exportAll, daily, rebuild } = ReportsController.prototype;
    expect([exportAll.name, daily.name, rebuild.name]).toEqual(['exportAll', 'daily', 'rebuild']);
    expect(CatalogController.prototype.list.length).toBe(0);
  });

  it('keeps @nestjs/throttler buckets distinct per handler', async () => {
    const url = await app();
    expect((await fetch(`${url}/limited/a`)).status).toBe(200);
    expect((await fetch(`${url}/limited/a`)).status).toBe(200);
    expect((await fetch(`${url}/limited/a`)).status).toBe(429);
    expect((await fetch(`${url}/limited/b`)).status).toBe(200);
  });

  it('lists every breaker on the health endpoint and turns 503 while one is open', async () => {
    const url = await app();
    const healthy = await fetch(`${url}/health/circuits`);
    expect(healthy.status).toBe(200);
    const report = (await healthy.json()) as { circuits: Record<string, unknown> };
    expect(Object.keys(report.circuits)).toEqual(
      expect.arrayContaining([
        'reports.export',
        'reports.daily',
        'ReportsController.rebuild',
        'CatalogService.list',
        'LimitedController.a',
      ]),
    );
    CircuitBreaker.get('CatalogService.list').trip();
    const degraded = await fetch(`${url}/health/circuits`);
    expect(degraded.status).toBe(503);
    await expect(degraded.json()).resolves.toMatchObject({ status: 'degraded', unhealthy: ['CatalogService.list'] });
  });

  it('answers from the fallback while open, and resetAll() isolates testing modules', async () => {
    const first = await Test.createTestingModule({ providers: [CatalogService] }).compile();
    const catalog = first.get(CatalogService);
    catalog.failing = true;
    await expect(catalog.list()).rejects.toThrow('catalog down');
    await expect(catalog.list()).rejects.toThrow('catalog down');
    await expect(catalog.list()).resolves.toEqual({ items: [], stale: true });
    await first.close();
    CircuitBreaker.resetAll();
    const second = await Test.createTestingModule({ providers: [CatalogService] }).compile();
    await expect(second.get(CatalogService).list()).resolves.toEqual({ items: ['tea', 'coffee'], stale: false });
    await second.close();
  });
});
