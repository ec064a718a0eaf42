import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM shared with the browser, Bun and Deno; no declaration file
import { expected } from './runtime-smoke.mjs';

/*
 * The built ESM core (dist/index.js) runs unchanged in a headless browser, Bun and Deno: each runs the
 * scenario in ./runtime-smoke.mjs (wrap a function, trip the breaker, recover) and must answer `expected`.
 * With CI=true a missing runtime fails; elsewhere its test is skipped with one line saying how to get it.
 *
 * Bun and Deno are not devDependencies (~200 MB together): `scripts/fetch-runtimes.sh` installs them outside the
 * project and prints their directory, which the test reads from TRIPSWITCH_RUNTIMES_BIN; without that variable
 * it looks for `bun` and `deno` on PATH.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = `${root}dist/index.js`;
const main = fileURLToPath(new URL('./runtime-main.mjs', import.meta.url));
const smokeModule = fileURLToPath(new URL('./runtime-smoke.mjs', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Runs `check` when the runtime exists; otherwise fails in CI, or skips with one line elsewhere. */
function runtimeTest(name: string, available: boolean, howToGet: string, check: () => Promise<void> | void, timeout = 60_000): void {
  if (available) it(`runs the smoke scenario in ${name}`, check, timeout);
  else if (inCI) {
    it(`runs the smoke scenario in ${name}`, () => {
      throw new Error(`${name} is not installed (${howToGet}); CI=true requires it`);
    });
  } else {
    console.warn(`[runtimes] ${name} not found: skipping its test (${howToGet})`);
    it.skip(`runs the smoke scenario in ${name}`, check);
  }
}

function runCli(command: string, args: string[]): { runtime: string; result: unknown } {
  expect(existsSync(dist), 'dist/index.js is missing: run `npx tsup` first').toBe(true);
  const child = spawnSync(command, [...args, main], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    // Deno caches compiled modules; keep that out of $HOME.
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(tmpdir(), 'tripswitch-deno'), NO_COLOR: '1' },
  });
  expect(child.error, child.stderr).toBeUndefined();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as { runtime: string; result: unknown };
}

const runtimesBin = process.env.TRIPSWITCH_RUNTIMES_BIN;
const fetchHint = 'export TRIPSWITCH_RUNTIMES_BIN="$(bash scripts/fetch-runtimes.sh)"';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The runtime's executable: in TRIPSWITCH_RUNTIMES_BIN when set (and only there), else the first on PATH. */
function bin(name: string): string {
  if (runtimesBin !== undefined && runtimesBin !== '') return join(runtimesBin, name);
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => join(dir, name)).find(isExecutable) ?? name;
}

describe('tripswitch (runtimes)', () => {
  for (const [name, command, args] of [
    ['Node', process.execPath, []],
    ['Bun', bin('bun'), []],
    ['Deno', bin('deno'), ['run', '--no-prompt']],
  ] as const) {
    runtimeTest(name, isExecutable(command), name === 'Node' ? 'the running node' : fetchHint, () => {
      const { runtime, result } = runCli(command, [...args]);
      console.log(`runtimes: ${runtime} passed`);
      expect(runtime.toLowerCase().startsWith(name.toLowerCase())).toBe(true);
      expect(result).toEqual(expected);
    });
  }

  describe('in headless Chromium', () => {
    let server: Server | undefined;
    let origin = '';
    beforeAll(async () => {
      const files: Record<string, [string, string]> = {
        '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>tripswitch</title>'],
        '/index.js': ['text/javascript', existsSync(dist) ? readFileSync(dist, 'utf8') : ''],
        '/runtime-smoke.mjs': ['text/javascript', readFileSync(smokeModule, 'utf8')],
        // The same scenario inside a module Web Worker (no DOM, no window).
        '/worker.mjs': [
          'text/javascript',
          "import * as lib from '/index.js'; import { smoke } from '/runtime-smoke.mjs'; smoke(lib).then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));",
        ],
      };
      server = createServer((req, res) => {
        // The ESM core is one module per source module (dist/breaker.js, dist/detectors/create.js, ...):
        // served from dist/ like a static host would.
        const modulePath = /^\/((?:[\w-]+\/)*[\w-]+\.js)$/.exec(req.url ?? '')?.[1];
        const file =
          files[req.url ?? ''] ??
          (modulePath !== undefined && existsSync(`${root}dist/${modulePath}`)
            ? (['text/javascript', readFileSync(`${root}dist/${modulePath}`, 'utf8')] as [string, string])
            : undefined);
        if (file === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))));

    runtimeTest(
      'Chromium',
      existsSync(chromiumPath),
      `run scripts/ensure-chromium.sh, or set CHROMIUM_PATH`,
      async () => {
        expect(existsSync(dist), 'dist/index.js is missing: run `npx tsup` first').toBe(true);
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({
          executablePath: chromiumPath,
          headless: true,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
            '--disable-sync',
          ],
        });
        try {
          const page = await browser.newPage();
          const pageErrors: string[] = [];
          page.on('pageerror', (error) => pageErrors.push(String(error)));
          await page.goto(`${origin}/`);
          // A string, not a function: vitest would rewrite `import()` inside a function before the page sees it.
          const outcome = (await page.evaluate(`(async () => {
            const lib = await import('/index.js');
            const { smoke } = await import('/runtime-smoke.mjs');
            const worker = new Worker('/worker.mjs', { type: 'module' });
            const inWorker = await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.onerror = (e) => resolve({ error: e.message }); });
            worker.terminate();
            return { userAgent: navigator.userAgent, hasProcess: typeof globalThis.process, result: await smoke(lib), inWorker };
          })()`)) as { userAgent: string; hasProcess: string; result: unknown; inWorker: unknown };
          console.log(
            `runtimes: Chromium ${browser.version()} (${outcome.userAgent.includes('HeadlessChrome') ? 'headless' : 'headed'}; page and module worker) passed`,
          );
          expect(outcome.hasProcess).toBe('undefined');
          expect(outcome.result).toEqual(expected);
          expect(outcome.inWorker).toEqual(expected);
          expect(pageErrors).toEqual([]);
        } finally {
          await browser.close();
        }
      },
      90_000,
    );
  });
});
