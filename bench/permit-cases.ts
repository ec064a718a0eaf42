import { getHeapSpaceStatistics } from 'node:v8';
import { do_not_optimize } from 'mitata';
import { CircuitBreaker, type Permit } from 'tripswitch';
import type { Case } from './cases.js';
import { fail, isSync } from './verify.js';

const RECOVERY_MS = 3_600_000;
const WARMUP = 50_000;
const SAMPLE = 20_000;

/** Bytes allocated per call by the permission rows, measured before they are timed (read by the goals). */
export const permitAllocations = new Map<string, number>();

/** Notes printed under the permission scenarios' tables. */
export const permitNotes: Readonly<Record<string, string>> = {
  'permission API, closed (acquire + onSuccess)':
    'the work is `() => 1` run between `tryAcquirePermission()` and `onSuccess()`; a permit is one small object (it carries the generation that drops late outcomes), measured below.',
  'permission API, open (tryAcquirePermission)':
    'a refused permit is `undefined`: nothing thrown, and nothing allocated by tripswitch (measured below with a clock that reads an integer; the default clock, `performance.now()`, boxes its result in 16 B on Node 20). `isOpen()` is the cheapest way to ask without counting a rejection.',
};

/**
 * Bytes the young generation grows by per call of `op`, after a warm-up (so the code is optimised) and
 * a full GC. A sample small enough not to trigger a scavenge, which would hide what was allocated.
 */
function bytesPerCall(op: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc ?? fail('run with --expose-gc');
  for (let i = 0; i < WARMUP; i++) op();
  gc();
  const before = youngBytes();
  for (let i = 0; i < SAMPLE; i++) op();
  return Math.max(0, youngBytes() - before) / SAMPLE;
}

function youngBytes(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space === undefined ? fail('no new_space in V8 heap statistics') : space.space_used_size;
}

/**
 * Measures and records the allocation of `op` for the goals table, which compares it with `limit`. Not a
 * check that fails the run: like a speed, an allocation depends on what the JIT did (a smoke run barely warms up).
 */
function measureAllocation(subject: string, op: () => unknown, limit: number): Promise<void> {
  const bytes = bytesPerCall(op);
  permitAllocations.set(subject, bytes);
  process.stderr.write(`  allocation / ${subject}: ${bytes.toFixed(1)} B per call (goal: at most ${limit})\n`);
  return Promise.resolve();
}

function tripswitch(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}): CircuitBreaker {
  return new CircuitBreaker('bench', { registry: false, recoveryTimeout: RECOVERY_MS, ...options });
}

/** A closed breaker: a permit per call, reported as a success. */
function closedRows(): Case[] {
  const scenario = 'permission API, closed (acquire + onSuccess)';
  const work = (): number => 1;
  const ts = tripswitch();
  const wrapped = ts.wrap(work);
  const viaPermit = tripswitch();
  const permitCall = (): number => {
    const permit = viaPermit.tryAcquirePermission() as Permit;
    const value = work();
    permit.onSuccess();
    return value;
  };
  const closed = (breaker: CircuitBreaker) => () => {
    if (breaker.state !== 'closed') fail(`tripswitch left closed: ${breaker.state}`);
  };
  return [
    {
      scenario,
      subject: 'bare `() => 1`',
      role: 'bare',
      run: () => do_not_optimize(work()),
      verify: () => isSync(work, 1),
    },
    {
      scenario,
      subject: 'tripswitch `wrap(fn)()`',
      run: () => do_not_optimize(wrapped()),
      verify: () => isSync(wrapped, 1),
      after: closed(ts),
    },
    {
      scenario,
      subject: 'tripswitch permit',
      run: () => do_not_optimize(permitCall()),
      verify: async () => {
        await isSync(permitCall, 1);
        if (viaPermit.status().successes === 0) fail('the permit recorded no success');
        await measureAllocation('permit while closed', permitCall, 96);
      },
      after: closed(viaPermit),
    },
  ];
}

/** Opens a breaker with a real failure reported through a permit. */
function opened(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}): CircuitBreaker {
  const breaker = tripswitch({ failureThreshold: 1, ...options });
  breaker.tryAcquirePermission()?.onError(new Error('bench failure'));
  if (breaker.state !== 'open') fail(`expected an open breaker, got ${breaker.state}`);
  return breaker;
}

/** An open breaker: every permit is refused. */
function openRows(): Case[] {
  const scenario = 'permission API, open (tryAcquirePermission)';
  const ts = opened();
  const refused = (): Permit | undefined => ts.tryAcquirePermission();
  const isOpen = (): boolean => ts.isOpen();
  // The default clock is performance.now(), which on Node 20 boxes its result (16 B, Node's own); a clock
  // that reads an integer shows what tripswitch itself allocates.
  let tick = 0;
  const integerClock = opened({ clock: { now: () => tick } });
  return [
    { scenario, subject: 'tripswitch `isOpen()`', role: 'bare', run: () => do_not_optimize(isOpen()), verify: () => isSync(isOpen, true) },
    {
      scenario,
      subject: 'tripswitch `tryAcquirePermission()`',
      run: () => do_not_optimize(refused()),
      verify: async () => {
        await isSync(refused, undefined);
        const before = ts.status().rejected;
        refused();
        if (ts.status().rejected !== before + 1) fail('a refused permit is not counted as rejected');
        await measureAllocation('permit refused while open, default clock', refused, 16.5);
        tick++;
        await measureAllocation('permit refused while open, integer clock', () => integerClock.tryAcquirePermission(), 0.5);
      },
    },
  ];
}

/** The permission API (`tryAcquirePermission` / `onSuccess`), closed and open, with its allocation per call. */
export function permits(): Case[] {
  return [...closedRows(), ...openRows()];
}
