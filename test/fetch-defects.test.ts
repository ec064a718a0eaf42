// The seven defects of issue 12, each against a real local server. Every test here fails on the code before the
// fix (commit 7706e18) except two guards that pass on both: replayable bodies are still retried, and a plain
// caller abort still counts as nothing.
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsecutiveFailuresDetector, type FailureDetector, MemoryStateStore, Registry, type StateStore } from '../src/index.js';
import { createFetch } from '../src/integrations/fetch.js';
import { parseRetryAfter } from '../src/integrations/retry.js';
import { startServer } from './http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of cleanups.splice(0)) await close();
});

function recordSleeps() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

/** A response from another library: the same shape as `Response`, another class. */
class ForeignResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly ok: boolean;
  readonly #inner: Response;
  constructor(inner: Response) {
    this.#inner = inner;
    this.status = inner.status;
    this.statusText = inner.statusText;
    this.headers = inner.headers;
    this.ok = inner.ok;
  }
  get body() {
    return this.#inner.body;
  }
  text() {
    return this.#inner.text();
  }
}

describe('createFetch defect 1: only replayable bodies are retried', () => {
  it('does not retry a PUT whose body is an async iterable, so the server never stores an empty document', async () => {
    const server = await startServer(cleanups);
    server.script('/doc', { status: 503 });
    const { sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep });
    async function* document() {
      yield new TextEncoder().encode('{"title":"draft"}');
    }
    const init = { method: 'PUT', body: document(), duplex: 'half' } as unknown as RequestInit;
    const response = await http(`${server.url}/doc`, init);
    expect(response.status).toBe(503);
    expect(server.seen.map((r) => r.bytes)).toEqual([17]);
  });

  it('does not retry a PUT whose body is a Node Readable, and counts one failure only', async () => {
    const server = await startServer(cleanups);
    server.script('/doc', { status: 503 });
    const { sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep });
    const init = { method: 'PUT', body: Readable.from(['abc']), duplex: 'half' } as unknown as RequestInit;
    expect((await http(`${server.url}/doc`, init)).status).toBe(503);
    expect(server.seen.map((r) => r.bytes)).toEqual([3]);
    expect(http.breakers.get(server.host)?.status().failures).toBe(1);
  });

  it('does not retry a Request whose body is a stream', async () => {
    const server = await startServer(cleanups);
    server.script('/doc', { status: 503 });
    const { sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const request = new Request(`${server.url}/doc`, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
    expect((await http(request)).status).toBe(503);
    expect(server.seen.map((r) => r.bytes)).toEqual([8]);
  });

  it('retries replayable bodies with every byte each time', async () => {
    const server = await startServer(cleanups);
    const { sleep } = recordSleeps();
    const http = createFetch({ retry: { retries: 1 }, sleep });
    const bodies: BodyInit[] = [
      'text',
      new Blob(['blob']),
      new TextEncoder().encode('view'),
      new TextEncoder().encode('buffer').buffer as ArrayBuffer,
      new URLSearchParams({ a: '1' }),
    ];
    for (const body of bodies) {
      server.script('/doc', { status: 503 });
      expect((await http(`${server.url}/doc`, { method: 'PUT', body })).status).toBe(200);
    }
    const form = new FormData();
    form.set('field', 'value');
    server.script('/doc', { status: 503 });
    expect((await http(`${server.url}/doc`, { method: 'PUT', body: form })).status).toBe(200);
    const sizes = server.seen.map((r) => r.bytes);
    expect(sizes.slice(0, 10)).toEqual([4, 4, 4, 4, 4, 4, 6, 6, 3, 3]);
    expect(sizes[10]).toBeGreaterThan(0);
    expect(sizes[11]).toBe(sizes[10]);
  });
});

describe('createFetch defect 2: responses are recognised by shape', () => {
  it('counts a 503 from another Response class as a failure', async () => {
    const server = await startServer(cleanups);
    server.script('/', { status: 503 });
    const foreignFetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
      new ForeignResponse(await fetch(input, init))) as unknown as typeof fetch;
    const http = createFetch({ fetch: foreignFetch, breaker: { failureThreshold: 1 } });
    const response = await http(`${server.url}/`);
    expect(response.status).toBe(503);
    expect(http.breakers.get(server.host)?.state).toBe('open');
  });
});

describe('createFetch defect 3: a detector per host', () => {
  it('refuses a detector instance, which every host would share', () => {
    const shared: FailureDetector = new ConsecutiveFailuresDetector({ failureThreshold: 3 });
    expect(() => createFetch({ breaker: { detector: shared as never } })).toThrow(TypeError);
    expect(() => createFetch({ breaker: { detector: shared as never } })).toThrow(/breaker\.detector/);
  });

  it('calls a detector factory once per host and never for validation', async () => {
    const a = await startServer(cleanups);
    const b = await startServer(cleanups);
    let made = 0;
    const http = createFetch({
      breaker: {
        detector: () => {
          made++;
          return new ConsecutiveFailuresDetector({ failureThreshold: 3 });
        },
      },
    });
    expect(made).toBe(0);
    a.always('/', { status: 500 });
    b.always('/', { status: 500 });
    await http(`${a.url}/`);
    await http(`${a.url}/`);
    await http(`${b.url}/`);
    expect(made).toBe(2);
    expect(http.breakers.get(a.host)?.state).toBe('closed');
    expect(http.breakers.get(b.host)?.state).toBe('closed');
  });

  it('validates the breaker options without attaching a breaker to the store', () => {
    const memory = new MemoryStateStore();
    const attached: string[] = [];
    const store: StateStore = {
      attach: (port) => {
        attached.push(port.name);
        return memory.attach(port);
      },
    };
    createFetch({ breaker: { store } });
    expect(attached).toEqual([]);
    expect(() => createFetch({ breaker: { failureThreshold: 0 } })).toThrow(/failureThreshold/);
  });
});

describe('createFetch defect 4: the breaker is asked before a Retry-After wait', () => {
  it('returns the server answer at once when that answer opened the breaker', async () => {
    const server = await startServer(cleanups);
    server.script('/', { status: 503, headers: { 'retry-after': '30' } });
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: true, sleep, breaker: { failureThreshold: 1 } });
    const response = await http(`${server.url}/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.text()).toBe('status 503');
    expect(sleeps).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });
});

describe('createFetch defect 5: a timeout from any source counts', () => {
  it("counts the caller's AbortSignal.timeout() as a failure of the host", async () => {
    const server = await startServer(cleanups);
    const http = createFetch({ timeout: false, breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = http(`${server.url}/hang`, { signal: controller.signal });
    await arrived;
    // What AbortSignal.timeout() does when its time is up, without waiting for real time.
    const reason = new DOMException('The operation timed out.', 'TimeoutError');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(http.breakers.get(server.host)?.state).toBe('open');
  });

  it('still counts a plain caller abort as nothing', async () => {
    const server = await startServer(cleanups);
    const http = createFetch({ timeout: false, breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = http(`${server.url}/hang`, { signal: controller.signal });
    await arrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(http.breakers.get(server.host)?.status().failures).toBe(0);
  });
});

describe('createFetch defect 6: Retry-After per RFC 9110', () => {
  it('reads delta-seconds and the three HTTP-date forms only', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:10 2015', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    for (const junk of ['1.5', '60 seconds', '12/31/2099', '-5', '+5', '0x10', '', '2015-10-21T07:28:10Z', 'Wed, 32 Oct 2015 07:28:10 GMT'])
      expect(parseRetryAfter(junk, now)).toBeNull();
  });

  it('bounds absurd values', () => {
    expect(parseRetryAfter('99999999999999999999999')).toBe(2 ** 31 - 1);
  });

  it('ignores an unreadable Retry-After and waits its own backoff', async () => {
    const server = await startServer(cleanups);
    server.script('/', { status: 503, headers: { 'retry-after': '12/31/2099' } });
    const { sleeps, sleep } = recordSleeps();
    const http = createFetch({ retry: { minDelay: 100 }, random: () => 0.5, sleep });
    expect((await http(`${server.url}/`)).status).toBe(200);
    expect(sleeps).toEqual([50]);
  });
});

describe('createFetch defect 7a: a total time budget across attempts', () => {
  it('stops retrying when the next wait would pass the budget', async () => {
    const server = await startServer(cleanups);
    server.always('/', { status: 503 });
    let now = 0;
    const sleeps: number[] = [];
    const http = createFetch({
      retry: { retries: 5, minDelay: 400 },
      random: () => 0.999,
      totalTimeout: 1_000,
      clock: { now: () => now },
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      breaker: { failureThreshold: 10 },
    });
    expect((await http(`${server.url}/`)).status).toBe(503);
    expect(sleeps).toEqual([399]);
    expect(server.seen).toHaveLength(2);
  });
});

describe('createFetch defect 7a (continued)', () => {
  it('aborts the attempt running when the budget ends, with CallTimeoutError', async () => {
    const server = await startServer(cleanups);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const http = createFetch({ timeout: false, totalTimeout: 1_000, breaker: { failureThreshold: 1 } });
    const arrived = server.nextRequest();
    const pending = http(`${server.url}/hang`).catch((error: unknown) => error);
    await arrived;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toMatchObject({ name: 'CallTimeoutError', timeoutMs: 1_000 });
    expect(http.breakers.get(server.host)?.state).toBe('open');
  });
});

describe('createFetch defect 7b: per-host breakers are bounded', () => {
  it('evicts the least recently used host, disposing its breaker and leaving its registry', async () => {
    const servers = [await startServer(cleanups), await startServer(cleanups), await startServer(cleanups)];
    const registry = new Registry();
    const memory = new MemoryStateStore();
    const detached: string[] = [];
    const store: StateStore = {
      attach: (port) => {
        const link = memory.attach(port);
        const detach = (): void => {
          detached.push(port.name);
          link.detach();
        };
        return { ...link, detach };
      },
    };
    const http = createFetch({ registry, maxHosts: 2, breaker: { store } });
    const [a, b, c] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    await http(`${a.url}/`);
    await http(`${b.url}/`);
    await http(`${a.url}/`); // a is now the most recent
    await http(`${c.url}/`); // b goes
    expect([...http.breakers.keys()].sort()).toEqual([a.host, c.host].sort());
    expect(registry.has(`fetch:${b.host}`)).toBe(false);
    expect(registry.names().sort()).toEqual([`fetch:${a.host}`, `fetch:${c.host}`].sort());
    expect(detached).toEqual([`fetch:${b.host}`]);
  });
});
