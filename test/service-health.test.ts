import { afterEach, describe, expect, it, vi } from 'vitest';
import { createService, type HealthCheckResult, ServiceRegistry } from '../src/integrations/service/index.js';
import { fakeClock } from './helpers.js';
import { startServer } from './http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of cleanups.splice(0)) await close();
});

/** Collects health-check results and lets a test wait for the next one. */
function results() {
  const seen: HealthCheckResult[] = [];
  let wake: (() => void) | undefined;
  return {
    seen,
    onResult: (result: HealthCheckResult) => {
      seen.push(result);
      wake?.();
    },
    next: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
  };
}

const healthPaths = (server: { seen: Array<{ path: string }> }) => server.seen.filter((r) => r.path === '/health').length;

describe('ServiceClient health checks', () => {
  it('checks at once, then every interval, and reports the last result in health()', async () => {
    const server = await startServer(cleanups);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = results();
    const services = new ServiceRegistry();
    const api = createService({
      name: 'api',
      baseUrl: server.url,
      registry: services,
      healthCheck: { path: '/health', interval: 10_000, onResult: r.onResult },
    });
    cleanups.push(async () => api.close());
    expect(api.health().lastCheck).toBeNull();
    let next = r.next();
    await vi.advanceTimersByTimeAsync(0);
    await next;
    expect(healthPaths(server)).toBe(1);
    expect(api.health().lastCheck).toMatchObject({ healthy: true, status: 200, error: null, recovered: false });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(healthPaths(server)).toBe(1);
    server.always('/health', { status: 503 });
    next = r.next();
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(healthPaths(server)).toBe(2);
    expect(api.health()).toMatchObject({ state: 'closed', healthy: false, lastCheck: { healthy: false, status: 503 } });
    expect(services.health()).toMatchObject({ status: 'degraded', unhealthy: ['api'] });
  });

  it('records a check that takes longer than its timeout as failed', async () => {
    const server = await startServer(cleanups);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = results();
    const api = createService({ name: 'api', baseUrl: server.url, healthCheck: { path: '/hang', timeout: 500, onResult: r.onResult } });
    cleanups.push(async () => api.close());
    const arrived = server.nextRequest();
    await vi.advanceTimersByTimeAsync(0);
    await arrived;
    const next = r.next();
    await vi.advanceTimersByTimeAsync(500);
    await next;
    expect(api.health().lastCheck).toMatchObject({ healthy: false, status: null, error: 'timed out after 500 ms' });
  });

  it('leaves no timer after close(), and no check runs later', async () => {
    const server = await startServer(cleanups);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = results();
    const api = createService({
      name: 'api',
      baseUrl: server.url,
      healthCheck: { path: '/health', interval: 1_000, onResult: r.onResult },
    });
    const next = r.next();
    await vi.advanceTimersByTimeAsync(0);
    await next;
    await vi.advanceTimersByTimeAsync(0); // the next check is armed once this one has settled
    const armed = vi.getTimerCount(); // the next check, plus whatever fetch itself keeps
    api.close();
    expect(vi.getTimerCount()).toBe(armed - 1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(healthPaths(server)).toBe(1);
  });

  it('arms only unref’d timers, which keep no process alive', async () => {
    const server = await startServer(cleanups);
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const api = createService({ name: 'api', baseUrl: server.url, healthCheck: { path: '/health', interval: 1_000 } });
    expect(timers()).toBe(before);
    await api.checkHealth();
    expect(timers()).toBe(before);
    api.close();
  });

  it('with recover: true, a passing check ends the open period early and the next call is the trial', async () => {
    const server = await startServer(cleanups);
    const clock = fakeClock();
    const changes: string[] = [];
    const r = results();
    const first = r.next();
    const api = createService({
      name: 'api',
      baseUrl: server.url,
      retry: false,
      breaker: {
        failureThreshold: 1,
        successThreshold: 1,
        recoveryTimeout: 60_000,
        clock,
        onStateChange: (e) => changes.push(`${e.from}->${e.to}`),
      },
      healthCheck: { path: '/health', interval: 600_000, recover: true, onResult: r.onResult },
    });
    cleanups.push(async () => api.close());
    await first; // the check made at start, before the breaker opens
    server.script('/work', { status: 503 });
    await expect(api.get('/work')).rejects.toMatchObject({ status: 503 });
    expect(api.breaker.state).toBe('open');
    clock.advance(5_000);
    const result = await api.checkHealth();
    expect(result).toMatchObject({ healthy: true, recovered: true });
    expect(api.breaker.state).toBe('half_open');
    expect(await api.get('/work')).toBe('status 200');
    expect(api.breaker.state).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('with recover: true, ends the open period of a breaker whose custom detector cannot take a snapshot', async () => {
    const server = await startServer(cleanups);
    const reported: string[] = [];
    const detector = {
      usesDuration: false,
      onSuccess() {},
      onFailure() {},
      shouldTrip: () => true,
      reset() {},
      stats: () => ({ failures: 0, successes: 0, calls: 0, failureRate: null }),
      snapshot: () => {
        throw new Error('no snapshot here');
      },
      restore() {},
    };
    const r = results();
    const first = r.next();
    const api = createService({
      name: 'api',
      baseUrl: server.url,
      retry: false,
      breaker: { detector: () => detector, recoveryTimeout: 60_000 },
      healthCheck: { path: '/health', interval: 600_000, recover: true, onResult: r.onResult },
    });
    cleanups.push(async () => api.close());
    await first; // the check made at start, before the breaker opens
    api.breaker.on('listenerError', (e) => reported.push(e.event));
    server.script('/work', { status: 503 });
    await expect(api.get('/work')).rejects.toMatchObject({ status: 503 });
    expect(api.breaker.state).toBe('open');
    expect(await api.checkHealth()).toMatchObject({ healthy: true, recovered: true });
    expect(api.breaker.state).toBe('half_open');
    expect(reported).toEqual([]);
  });

  it('without recover, a passing check leaves the open period alone; a failing one never ends it', async () => {
    const server = await startServer(cleanups);
    const clock = fakeClock();
    const plain = createService({
      name: 'plain',
      baseUrl: server.url,
      breaker: { clock },
      healthCheck: { path: '/health', interval: 600_000 },
    });
    const eager = createService({
      name: 'eager',
      baseUrl: server.url,
      breaker: { clock },
      healthCheck: { path: '/health', interval: 600_000, recover: true },
    });
    cleanups.push(async () => {
      plain.close();
      eager.close();
    });
    plain.breaker.restore({ ...plain.breaker.snapshot(), state: 'open', until: Date.now() + 60_000, attempt: 1 });
    expect(plain.breaker.state).toBe('open');
    expect(await plain.checkHealth()).toMatchObject({ healthy: true, recovered: false });
    expect(plain.breaker.state).toBe('open');
    eager.breaker.restore({ ...eager.breaker.snapshot(), state: 'open', until: Date.now() + 60_000, attempt: 1 });
    server.always('/health', { status: 500 });
    expect(await eager.checkHealth()).toMatchObject({ healthy: false, recovered: false });
    expect(eager.breaker.state).toBe('open');
  });
});
