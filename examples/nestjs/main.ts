// Runs the NestJS example: guarded routes stay guarded, the health endpoint lists every breaker.
import assert from 'node:assert/strict';
import { startApp } from './app';

async function main(): Promise<void> {
  const { app, url } = await startApp();
  try {
    assert.equal((await fetch(`${url}/reports/export`)).status, 403, 'anonymous request to a guarded route');
    const admin = await fetch(`${url}/reports/export`, { headers: { 'x-role': 'admin' } });
    assert.equal(admin.status, 200);
    const rebuild = await fetch(`${url}/reports/rebuild`, { method: 'POST' });
    assert.equal(rebuild.status, 202);
    assert.equal(rebuild.headers.get('x-audit'), 'rebuild');
    const health = (await (await fetch(`${url}/health/circuits`)).json()) as { circuits: Record<string, unknown> };
    console.log('breakers:', Object.keys(health.circuits).join(', '));
    assert.ok('CatalogService.list' in health.circuits);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
