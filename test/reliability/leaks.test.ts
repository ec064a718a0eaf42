import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, Registry } from '../../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./heap.mjs', import.meta.url));
/** Heap growth allowed across a million calls or 300 000 breakers: a leak of one small object each would be tens of MB. */
const HEAP_BOUND = 2 * 1024 * 1024;

interface HeapFigures {
  calls: number;
  callsMs: number;
  callsHeapBefore: number;
  callsHeapAfter: number;
  outcomes: { values: number; errors: number };
  status: { state: string; successes: number; failures: number; rejected: number; ignored: number };
  breakers: number;
  breakersMs: number;
  breakersHeapBefore: number;
  breakersHeapAfter: number;
  registrySize: number;
  droppedBreakerCollected: boolean;
  activeResources: string[];
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

describe('CircuitBreaker (leaks)', () => {
  it('keeps the heap flat over 1 000 000 calls and 300 000 short-lived breakers, and leaves no timer behind', () => {
    expect(existsSync(`${root}dist/index.js`), 'dist/index.js is missing: run `npx tsup` first').toBe(true);
    // No process.exit in the script: a timer or handle left behind would keep it alive until the timeout.
    const child = spawnSync(process.execPath, ['--expose-gc', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(child.error, child.stderr).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const figures = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as HeapFigures;
    const callsGrowth = figures.callsHeapAfter - figures.callsHeapBefore;
    const breakersGrowth = figures.breakersHeapAfter - figures.breakersHeapBefore;
    console.log(
      `leaks: ${figures.calls} calls in ${figures.callsMs} ms, heap ${kb(figures.callsHeapBefore)} -> ${kb(figures.callsHeapAfter)} ` +
        `(${kb(callsGrowth)}); ${figures.breakers} breakers in ${figures.breakersMs} ms, heap ${kb(figures.breakersHeapBefore)} -> ` +
        `${kb(figures.breakersHeapAfter)} (${kb(breakersGrowth)}); status ${JSON.stringify(figures.status)}; ` +
        `active resources at the end: [${figures.activeResources.join(', ')}]`,
    );
    expect(figures.outcomes.values + figures.outcomes.errors).toBe(figures.calls + 100_000);
    // Every path was exercised: successes, counted failures, ignored errors, rejections while open.
    expect(figures.status.successes).toBeGreaterThan(0);
    expect(figures.status.failures).toBeGreaterThan(0);
    expect(figures.status.ignored).toBeGreaterThan(0);
    expect(figures.status.rejected).toBeGreaterThan(0);
    expect(callsGrowth).toBeLessThan(HEAP_BOUND);
    expect(breakersGrowth).toBeLessThan(HEAP_BOUND);
    expect(figures.registrySize).toBe(0);
    expect(figures.droppedBreakerCollected).toBe(true);
    expect(figures.activeResources.filter((r) => r === 'Timeout' || r === 'Immediate')).toEqual([]);
  }, 150_000);

  it('starts no timer in any state, so a breaker never keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
    const before = timers();
    let now = 0;
    const breaker = new CircuitBreaker('timers', {
      registry: false,
      clock: { now: () => now },
      failureThreshold: 1,
      recoveryTimeout: 1_000,
    });
    breaker.on('stateChange', () => {});
    await expect(breaker.call(async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    await expect(breaker.call(async () => 1)).rejects.toThrow(/open/);
    now += 1_000;
    const trial = breaker.call(() => new Promise<number>(() => {}));
    expect(breaker.state).toBe('half_open');
    breaker.trip();
    breaker.disable();
    expect(timers()).toBe(before);
    breaker.reset();
    void trial;
    expect(timers()).toBe(before);
  });

  it('drops a per-key breaker with registry.delete(name), and getOrCreate then builds a fresh one', () => {
    const registry = new Registry();
    const first = registry.getOrCreate('tenant-1', { failureThreshold: 1 });
    first.trip();
    expect(registry.delete('tenant-1')).toBe(true);
    expect(registry.has('tenant-1')).toBe(false);
    expect(registry.delete('tenant-1')).toBe(false);
    const second = registry.getOrCreate('tenant-1');
    expect(second).not.toBe(first);
    expect(second.state).toBe('closed');
    expect(registry.size).toBe(1);
  });
});
