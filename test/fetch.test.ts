import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallTimeoutError, CircuitOpenError, Registry } from '../src/index.js';
import { createFetch } from '../src/integrations/fetch.js';
import { abortableSleep, parseRetryAfter, resolveRetry, retryDelay } from '../src/integrations/retry.js';

interface Scripted {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/** A real HTTP server on 127.0.0.1 that answers scripted statuses per path (then 200) and can hang. */
async function startServer() {
  const script = new Map<string, Scripted[]>();
  const seen: Array<{ method: string; path: string; body: string }> = [];
  const hanging: ServerResponse[] = [];
  const arrived: Array<() => void> = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = req.url ?? '/';
    seen.push({ method: req.method ?? '', path, body });
    for (const wake of arrived.splice(0)) wake();
    if (path === '/hang') {
      hanging.push(res);
      return;
    }
    const next = script.get(path)?.shift() ?? { status: 200 };
    res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
    res.end(`status ${next.status}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return {
    url,
    seen,
    fail: (path: string, ...answers: Scripted[]) => script.set(path, answers),
    /** Resolves once the server has received one more request. */
    nextRequest: () => new Promise<void>((resolve) => arrived.push(resolve)),
    close,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of cleanups.splice(0)) await close();
});

function recordSleeps() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe('createFetch', () => {
  it('returns the real Response and counts 5xx as failures of the host until its breaker opens', async () => {
    const server = await startServer();
    const http = createFetch({ breaker: { failureThreshold: 2 } });
    server.fail('/down', { status: 502 }, { status: 503 });
    const first = await http(`${server.url}/down`);
    expect(first).toBeInstanceOf(Response);
    expect(first.status).toBe(502);
    expect(await first.text()).toBe('status 502');
    expect((await http(`${server.url}/down`)).status).toBe(503);
    const breaker = http.breakers.get(new URL(server.url).host);
    expect(breaker?.state).toBe('open');
    await expect(http(`${server.url}/ok`)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(server.seen).toHaveLength(2);
  });

  it('does not count 4xx other than 429 as failures', async () => {
    const server = await startServer();
    const http = createFetch({ breaker: { failureThreshold: 1 } });
    server.fail('/missing', { status: 404 }, { status: 400 }, { status: 409 });
    for (let i = 0; i < 3; i++) expect((await http(`${server.url}/missing`)).status).toBeGreaterThanOrEqual(400);
    expect(http.breakers.get(new URL(server.url).host)?.state).toBe('closed');
    server.fail('/busy', { status: 429 });
    expect((await http(`${server.url}/busy`)).status).toBe(429);
    expect(http.breakers.get(new URL(server.url).host)?.state).toBe('open');
  });

  it('counts network errors as failures and rethrows them', async () => {
    const server = await startServer();
    const url = server.url;
    await server.close();
    const http = createFetch({ breaker: { failureThreshold: 1 } });
    await expect(http(`${url}/`)).rejects.toThrow(TypeError);
    expect(http.breakers.get(new URL(url).host)?.status().failures).toBe(1);
    await expect(http(`${url}/`)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('keeps one breaker per host', async () => {
    const a = await startServer();
    const b = await startServer();
    const http = createFetch({ breaker: { failureThreshold: 1 } });
    a.fail('/', { status: 500 });
    await http(`${a.url}/`);
    expect((await http(`${b.url}/`)).status).toBe(200);
    expect([...http.breakers.keys()]).toEqual([new URL(a.url).host, new URL(b.url).host]);
    expect(http.breakers.get(new URL(a.url).host)?.state).toBe('open');
    expect(http.breakers.get(new URL(b.url).host)?.state).toBe('closed');
  });

  it('retries idempotent requests with exponential backoff and full jitter', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: { retries: 3, minDelay: 100 }, sleep, random: () => 0.5 });
    server.fail('/flaky', { status: 503 }, { status: 500 });
    const response = await http(`${server.url}/flaky`);
    expect(response.status).toBe(200);
    expect(server.seen.map((r) => r.path)).toEqual(['/flaky', '/flaky', '/flaky']);
    expect(sleeps).toEqual([50, 100]);
  });

  it('waits at least as long as Retry-After asks', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep, random: () => 0 });
    server.fail('/busy', { status: 429, headers: { 'retry-after': '3' } });
    expect((await http(`${server.url}/busy`)).status).toBe(200);
    expect(sleeps).toEqual([3000]);
  });

  it('returns the response without retrying when Retry-After exceeds maxRetryAfter', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: { maxRetryAfter: 5_000 }, sleep });
    server.fail('/later', { status: 503, headers: { 'retry-after': '120' } });
    const response = await http(`${server.url}/later`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('120');
    expect(sleeps).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('never retries a POST, and replays the body of a retried PUT', async () => {
    const server = await startServer();
    const { sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep });
    server.fail('/orders', { status: 503 });
    expect((await http(`${server.url}/orders`, { method: 'POST', body: 'order' })).status).toBe(503);
    expect(server.seen).toHaveLength(1);
    server.fail('/items/1', { status: 503 });
    expect((await http(new Request(`${server.url}/items/1`, { method: 'PUT', body: 'item' }))).status).toBe(200);
    expect(server.seen.slice(1)).toEqual([
      { method: 'PUT', path: '/items/1', body: 'item' },
      { method: 'PUT', path: '/items/1', body: 'item' },
    ]);
  });

  it('returns the last failed response once retries are spent', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: { retries: 2 }, sleep, random: () => 1, breaker: { failureThreshold: 10 } });
    server.fail('/down', { status: 500 }, { status: 502 }, { status: 503 });
    const response = await http(`${server.url}/down`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('status 503');
    expect(sleeps).toEqual([200, 400]);
  });

  it('stops retrying once the host breaker opens and returns the answer that opened it', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: { retries: 5 }, sleep, breaker: { failureThreshold: 2 } });
    server.fail('/down', { status: 500 }, { status: 502 }, { status: 503 });
    expect((await http(`${server.url}/down`)).status).toBe(502);
    expect(server.seen).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    await expect(http(`${server.url}/down`)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('aborts an attempt after the timeout with CallTimeoutError and counts it as a failure', async () => {
    const server = await startServer();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const http = createFetch({ timeout: 1_000, breaker: { failureThreshold: 1 } });
    const arrived = server.nextRequest();
    const pending = http(`${server.url}/hang`);
    let done = false;
    const settled = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    void settled.then(() => {
      done = true;
    });
    await arrived;
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await settled;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect((error as CallTimeoutError).timeoutMs).toBe(1_000);
    expect(http.breakers.get(new URL(server.url).host)?.state).toBe('open');
  });

  it('passes the caller abort through without counting it against the host', async () => {
    const server = await startServer();
    const http = createFetch({ breaker: { failureThreshold: 1 }, timeout: false });
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = http(`${server.url}/hang`, { signal: controller.signal });
    await arrived;
    const reason = new Error('user navigated away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    const breaker = http.breakers.get(new URL(server.url).host);
    expect(breaker?.state).toBe('closed');
    expect(breaker?.status().failures).toBe(0);
  });

  it('does not send a request whose signal is already aborted', async () => {
    const server = await startServer();
    const http = createFetch();
    const reason = new Error('cancelled before start');
    await expect(http(`${server.url}/`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.seen).toHaveLength(0);
    expect(http.breakers.get(new URL(server.url).host)?.status().failures).toBe(0);
  });

  it('hands the caller signal to the backoff wait, so aborting ends it', async () => {
    const server = await startServer();
    let sleeping!: () => void;
    const started = new Promise<void>((resolve) => {
      sleeping = resolve;
    });
    const sleep = (ms: number, signal?: AbortSignal) => {
      sleeping();
      return abortableSleep(ms, signal);
    };
    const http = createFetch({ retry: { minDelay: 600_000 }, random: () => 0.5, sleep });
    server.fail('/down', { status: 503 });
    const controller = new AbortController();
    const pending = http(`${server.url}/down`, { signal: controller.signal });
    await started; // the 503 has arrived and the client waits 300 s before retrying
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.seen).toHaveLength(1);
  });

  it('puts the host breakers in the given registry', async () => {
    const server = await startServer();
    const registry = new Registry();
    const http = createFetch({ registry, namePrefix: 'api:', breaker: { failureThreshold: 1 } });
    server.fail('/', { status: 500 });
    await http(`${server.url}/`);
    const name = `api:${new URL(server.url).host}`;
    expect(registry.health().unhealthy).toEqual([name]);
  });

  it('validates its options', () => {
    expect(() => createFetch({ timeout: 0 })).toThrow(RangeError);
    expect(() => createFetch({ retry: { retries: -1 } })).toThrow(/retry.retries/);
    expect(() => createFetch({ breaker: { failureThreshold: 0 } })).toThrow(/failureThreshold/);
    expect(() => createFetch({ timout: 5 } as never)).toThrow(/did you mean `timeout`/);
    expect(() => createFetch({ totalTimeout: 0 })).toThrow(/totalTimeout/);
    expect(() => createFetch({ timeout: 2 ** 31 })).toThrow(RangeError);
    expect(() => createFetch({ maxHosts: 0 })).toThrow(/maxHosts/);
    expect(() => createFetch({ retry: { retries: 1_000 } })).toThrow(/retry.retries/);
    expect(() => createFetch({ retry: { maxDelay: 2 ** 31 } })).toThrow(/retry.maxDelay/);
    expect(() => createFetch({ breaker: { timeout: 5 } as never })).toThrow(/timeout/);
  });

  it('returns the response when isFailureResponse throws, counting it as a success and not retrying', async () => {
    const server = await startServer();
    const { sleeps, sleep } = recordSleeps();
    const registry = new Registry();
    const reported: unknown[] = [];
    registry.onAdd((breaker) => breaker.on('listenerError', (event) => void reported.push(event.error)));
    const http = createFetch({
      registry,
      retry: true,
      sleep,
      isFailureResponse: () => {
        throw new Error('bad predicate');
      },
    });
    server.fail('/', { status: 503 });
    expect((await http(`${server.url}/`)).status).toBe(503);
    expect(sleeps).toEqual([]);
    expect(http.breakers.get(new URL(server.url).host)?.status().successes).toBe(1);
    expect(reported).toEqual([new Error('bad predicate')]);
  });
});

describe('retryDelay', () => {
  it('grows by factor up to maxDelay, scaled by the jitter', () => {
    const policy = resolveRetry({ minDelay: 100, maxDelay: 1_000 });
    if (policy === false) throw new Error('unreachable');
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, () => 0.999_999, null))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(retryDelay(policy, 3, () => 0, null)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('abortableSleep', () => {
  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = abortableSleep(1_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason and clears its timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const waiting = abortableSleep(1_000, controller.signal);
    controller.abort('stop');
    await expect(waiting).rejects.toBe('stop');
    expect(vi.getTimerCount()).toBe(0);
    await expect(abortableSleep(5, AbortSignal.abort('early'))).rejects.toBe('early');
  });
});
