// A model test of shared counting's batching: processes count outcomes into SharedCounters whose
// sends go through a faulty link (requests lost, replies lost, copies delivered late, duplicated and
// out of order), processes restart (losing what they had not sent), and the backend applies batches
// with CountTotals, as MemoryStateStore does and as the Redis script does in Redis.
// Invariants: no sender is ever counted more than it counted; once faults stop and the counters have
// flushed, every live process is counted exactly what it counted.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { monotonicClock } from '../../src/clock.js';
import { CountTotals } from '../../src/storage/count-totals.js';
import { type CountBatch, type CountSlot, SharedCounter } from '../../src/storage/shared-counter.js';
import { resolveSharedCounting } from '../../src/storage/shared-counting.js';

type Fault = 'ok' | 'lostRequest' | 'lostReply' | 'late' | 'duplicate';

type Command =
  | { readonly kind: 'count'; readonly process: number; readonly failure: boolean; readonly times: number }
  | { readonly kind: 'flush'; readonly faults: readonly Fault[] }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'restart'; readonly process: number };

const processes = 3;
const rule = resolveSharedCounting({ window: 2 ** 31 - 1, flushInterval: 100, failureThreshold: 1_000_000 });
if (rule === undefined) throw new Error('unreachable');

interface Process {
  readonly id: string;
  readonly counter: SharedCounter;
  readonly slot: CountSlot;
  calls: number;
  failures: number;
}

class Fleet {
  readonly totals = new CountTotals(rule as NonNullable<typeof rule>);
  /** Copies of requests still on their way, delivered later in any order. */
  readonly limbo: { readonly sender: string; readonly batches: readonly CountBatch[] }[] = [];
  readonly counted = new Map<string, { calls: number; failures: number }>();
  readonly live: Process[] = [];
  faults: Fault[] = [];
  #next = 0;

  constructor() {
    for (let i = 0; i < processes; i++) this.live.push(this.spawn());
  }

  spawn(): Process {
    const id = `p${this.#next++}`;
    this.counted.set(id, { calls: 0, failures: 0 });
    const counter = new SharedCounter(
      { flushInterval: 100, window: 2 ** 31 - 1, clock: monotonicClock, maxUnacked: 10_000 },
      (_, batches) => this.#send(id, batches),
    );
    return { id, counter, slot: counter.slot('payments'), calls: 0, failures: 0 };
  }

  #send(sender: string, batches: readonly CountBatch[]): Promise<void> {
    const fault = this.faults.shift() ?? 'ok';
    const copy = batches.map((b) => ({ ...b }));
    if (fault === 'late') this.limbo.push({ sender, batches: copy });
    if (fault === 'ok' || fault === 'lostReply' || fault === 'duplicate') this.apply(sender, copy);
    if (fault === 'duplicate') this.limbo.push({ sender, batches: copy });
    return fault === 'ok' || fault === 'duplicate' ? Promise.resolve() : Promise.reject(new Error(fault));
  }

  /** Each sender is a name of its own in the totals, so the totals say what was applied per sender. */
  apply(sender: string, batches: readonly CountBatch[]): void {
    this.totals.apply(sender, sender, batches, 0, true);
  }

  applied(sender: string): { failures: number; calls: number } {
    return this.totals.apply(sender, sender, [], 0, true);
  }

  count(process: Process, failure: boolean): void {
    process.counter.count(process.slot, failure);
    const c = this.counted.get(process.id) as { calls: number; failures: number };
    c.calls++;
    if (failure) c.failures++;
  }
}

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('count' as const),
    process: fc.nat(processes - 1),
    failure: fc.boolean(),
    times: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('flush' as const),
    faults: fc.array(fc.constantFrom<Fault>('ok', 'lostRequest', 'lostReply', 'late', 'duplicate'), { maxLength: processes }),
  }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('restart' as const), process: fc.nat(processes - 1) }),
);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('shared counting batches (model)', () => {
  it('never counts an outcome twice, and loses none of a live process, across flushes, faults and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 60 }), async (commands) => {
        const fleet = new Fleet();
        const check = () => {
          for (const [id, counted] of fleet.counted) {
            const applied = fleet.applied(id);
            expect(applied.calls).toBeLessThanOrEqual(counted.calls);
            expect(applied.failures).toBeLessThanOrEqual(counted.failures);
          }
        };
        for (const c of commands) {
          if (c.kind === 'count') {
            const p = fleet.live[c.process] as Process;
            for (let i = 0; i < c.times; i++) fleet.count(p, c.failure);
          } else if (c.kind === 'flush') {
            fleet.faults = [...c.faults];
            await vi.advanceTimersByTimeAsync(100);
          } else if (c.kind === 'deliver') {
            if (fleet.limbo.length > 0) {
              const [late] = fleet.limbo.splice(c.pick % fleet.limbo.length, 1);
              if (late !== undefined) fleet.apply(late.sender, late.batches);
            }
          } else {
            // A process dies: what it had not sent is lost, and its successor starts afresh under a new id.
            fleet.live[c.process]?.counter.close();
            fleet.live[c.process] = fleet.spawn();
          }
          check();
        }
        // Faults stop: every late copy arrives, the counters flush until they go quiet.
        fleet.faults = [];
        for (const late of fleet.limbo.splice(0)) fleet.apply(late.sender, late.batches);
        for (let i = 0; i < 5 && fleet.live.some((p) => p.counter.armed); i++) await vi.advanceTimersByTimeAsync(100);
        check();
        for (const p of fleet.live) {
          expect(p.counter.armed).toBe(false);
          expect(fleet.applied(p.id)).toEqual(fleet.counted.get(p.id));
        }
        for (const p of fleet.live) p.counter.close();
      }),
      { numRuns: 300 },
    );
  });
});
