// Requests sent to a dead host over 60 s of (virtual) time: tripswitch/service with its defaults (breaker +
// retry + health check) and createFetch, new and as of commit 7706e18 ("today" before issue 12).
// The host is a closed local port (connection refused at once); the caller sends one call every 100 ms;
// the clock and the backoff waits are virtual, so the run takes about a second.
// Run: node --import tsx bench/http-dead-host.ts
import { execSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFetch } from '../src/integrations/fetch.js';
import { createService } from '../src/integrations/service/index.js';

const source = new URL('../src/', import.meta.url).pathname;
const seconds = 60;
const everyMs = 100;
/** Jitter fixed at the middle, so the backoff waits are the same on every run. */
const random = (): number => 0.5;

/** createFetch as it was before issue 12, loaded from git into a temporary folder. */
async function loadOldCreateFetch(): Promise<typeof createFetch> {
  const dir = join(tmpdir(), `tripswitch-old-fetch-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  for (const file of ['fetch.ts', 'retry.ts']) {
    const text = execSync(`git show 7706e18:src/integrations/${file}`, { encoding: 'utf8' })
      .replaceAll("from 'tripswitch'", `from '${source}index.ts'`)
      .replaceAll("from '../validate.js'", `from '${source}validate.ts'`);
    writeFileSync(join(dir, file), text);
  }
  const old = (await import(join(dir, 'fetch.ts'))) as { createFetch: typeof createFetch };
  return old.createFetch;
}

async function deadPort(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Run {
  readonly label: string;
  readonly calls: number;
  readonly requests: number;
  readonly healthChecks: number;
  readonly waited: number;
}

async function run(
  label: string,
  make: (env: { fetch: typeof fetch; clock: { now(): number }; sleep: (ms: number) => Promise<void> }) => {
    call: () => Promise<unknown>;
    check?: () => Promise<unknown>;
    close?: () => void;
  },
): Promise<Run> {
  let now = 0;
  let requests = 0;
  let healthChecks = 0;
  let waited = 0;
  const countingFetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).endsWith('/health')) healthChecks++;
    else requests++;
    return fetch(input, init);
  }) as typeof fetch;
  const clock = { now: () => now };
  const client = make({
    fetch: countingFetch,
    clock,
    sleep: async (ms) => {
      waited += ms;
      now += ms;
    },
  });
  let calls = 0;
  let nextCheck = 30_000; // the health check runs at start (its own timer) and then every 30 s
  for (let due = 0; due < seconds * 1000; due += everyMs) {
    if (now < due) now = due;
    if (client.check !== undefined && now >= nextCheck) {
      await client.check();
      nextCheck += 30_000;
    }
    calls++;
    await client.call().catch(() => undefined);
  }
  client.close?.();
  return { label, calls, requests, healthChecks, waited };
}

const base = await deadPort();
const oldCreateFetch = await loadOldCreateFetch();
const results: Run[] = [];
for (const retry of [false, true]) {
  results.push(
    await run(`createFetch before issue 12, retry: ${retry}`, ({ fetch, clock, sleep }) => {
      const http = oldCreateFetch({ fetch, sleep, random, retry, breaker: { clock } } as never);
      return { call: () => http(`${base}/users/1`) };
    }),
  );
  results.push(
    await run(`createFetch now, retry: ${retry}`, ({ fetch, clock, sleep }) => {
      const http = createFetch({ fetch, sleep, random, clock, retry, breaker: { clock } });
      return { call: () => http(`${base}/users/1`) };
    }),
  );
}
results.push(
  await run('createService defaults + healthCheck { path }', ({ fetch, clock, sleep }) => {
    const service = createService({
      name: 'dead',
      baseUrl: base,
      fetch,
      sleep,
      random,
      clock,
      breaker: { clock },
      healthCheck: { path: '/health' },
    });
    return { call: () => service.get('/users/1'), check: () => service.checkHealth(), close: () => service.close() };
  }),
);
results.push(
  await run('createService + healthCheck { recover: true }', ({ fetch, clock, sleep }) => {
    const service = createService({
      name: 'dead-recover',
      baseUrl: base,
      fetch,
      sleep,
      random,
      clock,
      breaker: { clock },
      healthCheck: { path: '/health', recover: true },
    });
    return { call: () => service.get('/users/1'), check: () => service.checkHealth(), close: () => service.close() };
  }),
);
console.log(`Dead host (connection refused), one call every ${everyMs} ms for ${seconds} s of virtual time:`);
console.table(
  results.map((r) => ({
    client: r.label,
    calls: r.calls,
    'requests sent': r.requests,
    'health checks': r.healthChecks,
    'backoff waited (ms)': r.waited,
  })),
);
