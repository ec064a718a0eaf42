import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallTimeoutError, CircuitOpenError, externalService, Registry } from '../src/index.js';
import { createService, isServiceResponseError, ServiceRegistry, ServiceResponseError } from '../src/integrations/service/index.js';
import { startServer } from './http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of cleanups.splice(0)) await close();
});

const noSleep = async (): Promise<void> => {};

describe('createService', () => {
  it('resolves paths against the base URL, sends default and per-call headers and query, and returns parsed JSON', async () => {
    const server = await startServer(cleanups);
    server.always('/v1/users/42?fields=name&active=true', { status: 200, body: { id: '42', name: 'Ada' } });
    const users = createService({ name: 'users', baseUrl: `${server.url}/v1`, headers: { authorization: 'Bearer t', 'x-a': '1' } });
    const user = await users.get<{ id: string; name: string }>('/users/42', {
      query: { fields: 'name', active: true, skipped: undefined },
      headers: { 'x-a': '2' },
    });
    expect(user).toEqual({ id: '42', name: 'Ada' });
    const seen = server.seen[0];
    expect(seen?.headers.authorization).toBe('Bearer t');
    expect(seen?.headers['x-a']).toBe('2');
    expect(seen?.headers.accept).toBe('application/json');
  });

  it('sends JSON bodies and returns undefined for an empty answer', async () => {
    const server = await startServer(cleanups);
    server.always('/items', { status: 201, body: { id: 1 } });
    server.always('/items/1', { status: 204 });
    const items = createService({ name: 'items', baseUrl: server.url });
    expect(await items.post('items', { title: 'x' })).toEqual({ id: 1 });
    expect(server.seen[0]?.body).toBe('{"title":"x"}');
    expect(server.seen[0]?.headers['content-type']).toBe('application/json');
    expect(await items.delete('items/1')).toBeUndefined();
    expect(await items.patch('items', { a: 1 })).toEqual({ id: 1 });
    expect(await items.put('items', { a: 2 })).toEqual({ id: 1 });
  });

  it('raises ServiceResponseError with the status and body of a non-2xx answer; a 404 does not count against the service', async () => {
    const server = await startServer(cleanups);
    server.always('/missing', { status: 404, body: { error: 'not_found' } });
    const api = createService({ name: 'api', baseUrl: server.url, breaker: { failureThreshold: 1 } });
    const error = await api.get('/missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceResponseError);
    expect(isServiceResponseError(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, body: { error: 'not_found' }, service: 'api', method: 'GET' });
    expect(api.breaker.state).toBe('closed');
  });

  it('retries a GET that meets 503, counts the failures, then fails fast once the breaker opens', async () => {
    const server = await startServer(cleanups);
    server.script('/flaky', { status: 503 }, { status: 503 });
    const api = createService({ name: 'api', baseUrl: server.url, sleep: noSleep, breaker: { failureThreshold: 3 } });
    expect(await api.get('/flaky')).toBe('status 200');
    expect(server.seen).toHaveLength(3);
    server.always('/down', { status: 503, body: { error: 'down' } });
    const error = await api.get('/down').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, body: { error: 'down' } });
    expect(api.breaker.state).toBe('open');
    await expect(api.get('/down')).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('never retries a POST', async () => {
    const server = await startServer(cleanups);
    server.script('/orders', { status: 503 });
    const api = createService({ name: 'api', baseUrl: server.url, sleep: noSleep });
    await expect(api.post('/orders', { n: 1 })).rejects.toMatchObject({ status: 503 });
    expect(server.seen).toHaveLength(1);
  });

  it('takes per-call timeout and retry options', async () => {
    const server = await startServer(cleanups);
    server.script('/flaky', { status: 503 });
    const api = createService({ name: 'api', baseUrl: server.url, sleep: noSleep });
    await expect(api.get('/flaky', { retry: false })).rejects.toMatchObject({ status: 503 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arrived = server.nextRequest();
    const pending = api.get('/hang', { timeout: 1_000, retry: false }).catch((e: unknown) => e);
    await arrived;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toBeInstanceOf(CallTimeoutError);
  });

  it('accepts a preset: its thresholds configure the breaker and its timeout each attempt', async () => {
    const server = await startServer(cleanups);
    const api = createService({ name: 'api', baseUrl: server.url, breaker: externalService('ignored', { failureThreshold: 2 }) });
    const status = api.breaker.status();
    expect(api.breaker.name).toBe('api');
    expect(status.failureThreshold).toBe(2);
    expect(status.successThreshold).toBe(2);
    expect(status.recoveryTimeoutMs).toBe(30_000);
  });

  it('joins a breaker registry when asked and leaves it on close()', async () => {
    const server = await startServer(cleanups);
    const breakers = new Registry();
    const api = createService({ name: 'api', baseUrl: server.url, breakerRegistry: breakers });
    expect(breakers.find('api')).toBe(api.breaker);
    api.close();
    expect(breakers.has('api')).toBe(false);
    await expect(api.get('/')).rejects.toThrow(/closed/);
  });

  it('validates its options', () => {
    expect(() => createService({ name: '', baseUrl: 'http://x' })).toThrow(/`name`/);
    expect(() => createService({ name: 'a', baseUrl: 'ftp://x' })).toThrow(/`baseUrl`/);
    expect(() => createService({ name: 'a', baseUrl: 'http://x', timeout: 0 })).toThrow(RangeError);
    expect(() => createService({ name: 'a', baseUrl: 'http://x', healthCheck: { path: '/h', interval: -1 } })).toThrow(
      /healthCheck.interval/,
    );
    expect(() => createService({ name: 'a', baseUrl: 'http://x', breaker: { failureThreshold: 0 } })).toThrow(/failureThreshold/);
    expect(() => createService({ name: 'a', baseUrl: 'http://x', retries: 3 } as never)).toThrow(
      /Unknown createService\(\) option `retries`/,
    );
    const api = createService({ name: 'a', baseUrl: 'http://x' });
    expect(() => api.url('https://elsewhere.example/')).toThrow(/`path`/);
  });
});

describe('ServiceRegistry', () => {
  it('gets a service by name, undefined for an unknown one, and refuses a second service of the same name', async () => {
    const server = await startServer(cleanups);
    const services = new ServiceRegistry();
    const users = createService({ name: 'users', baseUrl: server.url, registry: services });
    expect(services.get('users')).toBe(users);
    expect(services.get('nope')).toBeUndefined();
    expect(() => createService({ name: 'users', baseUrl: server.url, registry: services })).toThrow(/already registered/);
    users.close();
    expect(services.get('users')).toBeUndefined();
  });

  it('reports every service with its breaker state', async () => {
    const server = await startServer(cleanups);
    const services = new ServiceRegistry();
    createService({ name: 'a', baseUrl: server.url, registry: services });
    const b = createService({ name: 'b', baseUrl: server.url, registry: services });
    b.breaker.trip();
    const report = services.health();
    expect(report.status).toBe('degraded');
    expect(report.unhealthy).toEqual(['b']);
    expect(report.services.a).toEqual({ name: 'a', state: 'closed', healthy: true, lastCheck: null });
    expect(report.services.b?.state).toBe('forced_open');
    services.close();
    expect(services.size).toBe(0);
  });
});
