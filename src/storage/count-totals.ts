import type { CountBatch } from './shared-counter.js';
import type { ResolvedSharedCounting } from './shared-counting.js';

interface NameTotals {
  /** Bucket index → [failures, calls]. */
  readonly buckets: Map<number, [number, number]>;
  /** Highest batch `seq` applied, per sender. */
  readonly applied: Map<string, number>;
}

/**
 * The fleet's totals of shared counting, in memory: what the Redis script keeps in Redis, for
 * `MemoryStateStore`. Each batch is applied once per sender (`seq` above the highest applied), into
 * the bucket of the time it arrives; totals are the sum of the buckets of the last window.
 *
 * @example
 * const totals = new CountTotals(rule);
 * const { failures, calls } = totals.apply('payments', 'store-1', batches, clock.now(), true);
 */
export class CountTotals {
  readonly #rule: ResolvedSharedCounting;
  readonly #names = new Map<string, NameTotals>();

  constructor(rule: ResolvedSharedCounting) {
    this.#rule = rule;
  }

  /**
   * Applies the batches of `sender` not applied yet (counting them only when `counting`: the circuit
   * is closed) and answers the totals of the window ending at `now`.
   */
  apply(name: string, sender: string, batches: readonly CountBatch[], now: number, counting: boolean): { failures: number; calls: number } {
    let totals = this.#names.get(name);
    if (totals === undefined) {
      totals = { buckets: new Map(), applied: new Map() };
      this.#names.set(name, totals);
    }
    const last = totals.applied.get(sender) ?? 0;
    let top = last;
    let failures = 0;
    let calls = 0;
    for (const batch of batches) {
      if (batch.seq <= last) continue;
      failures += batch.failures;
      calls += batch.calls;
      if (batch.seq > top) top = batch.seq;
    }
    totals.applied.set(sender, top);
    const current = Math.floor(now / this.#rule.bucketMs);
    if (counting && calls > 0) {
      const bucket = totals.buckets.get(current) ?? [0, 0];
      bucket[0] += failures;
      bucket[1] += calls;
      totals.buckets.set(current, bucket);
    }
    return this.#sum(totals, current);
  }

  /** Forgets the counted outcomes of `name` (the circuit changed state), keeping what was applied. */
  reset(name: string): void {
    this.#names.get(name)?.buckets.clear();
  }

  /** Forgets `name` entirely. */
  delete(name: string): void {
    this.#names.delete(name);
  }

  #sum(totals: NameTotals, current: number): { failures: number; calls: number } {
    let failures = 0;
    let calls = 0;
    for (const [index, bucket] of totals.buckets) {
      if (index <= current - this.#rule.buckets) totals.buckets.delete(index);
      else {
        failures += bucket[0];
        calls += bucket[1];
      }
    }
    return { failures, calls };
  }
}
