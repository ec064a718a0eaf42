import { leaseRenewable } from '../storage/lease.js';
import type { SharedState } from '../storage/state-store.js';
import type { Entry } from './entry.js';
import { parseKeyReply, sharedOf } from './reply.js';
import type { ScriptRunner } from './runner.js';
import { scripts } from './scripts.js';

/** What a {@link KeyReader} needs from its store. */
export interface ReaderContext {
  readonly runner: ScriptRunner;
  readonly channel: string;
  readonly id: string;
  readonly changesKey: string;
  readonly logKey: string;
  readonly leaseTtl: number;
  readonly maxProbeTime: number;
  /** Whether the entry is still attached (a reply may come back after its breakers left). */
  attached(entry: Entry): boolean;
  /** Applies news to every breaker of the entry. */
  apply(entry: Entry, state: SharedState): void;
  /** Reports a foreign value once. */
  malformed(entry: Entry, why: string): void;
  /** Redis answered. */
  available(): void;
}

const batchSize = 500;

/**
 * Reads keys for a store: the change count and log first, then only the keys that changed, in batches of
 * one script, renewing a lease in use and giving back one that lapsed. Replies are validated and applied
 * only when they are the last command sent for their key and carry a version the store does not reflect.
 */
export class KeyReader {
  readonly #ctx: ReaderContext;
  /** The change count as the last complete pass read it: `null` none yet, `undefined` unknown (read every key). */
  #changes: string | null | undefined;

  constructor(ctx: ReaderContext) {
    this.#ctx = ctx;
  }

  /** Forgets the change count: the next pass reads every key (after a reconnect). */
  forget(): void {
    this.#changes = undefined;
  }

  /** Reads the keys of `entries` that changed since the last pass (all of them when `full`), plus fresh keys and held leases. */
  async pass(entries: Entry[], full: boolean): Promise<void> {
    const { runner, changesKey, logKey } = this.#ctx;
    const raw = await runner.run(scripts.changes, [changesKey, logKey], [this.#changes ?? '']);
    this.#ctx.available();
    const reply = Array.isArray(raw) ? raw.map(String) : [];
    const count = reply[0] ?? null;
    const changed = reply[1] === 'some' ? new Set(reply.slice(2)) : undefined;
    const all = full || this.#changes === undefined || (count !== this.#changes && changed === undefined);
    const due = entries.filter((e) => all || e.fresh || e.holder !== undefined || changed?.has(e.name));
    for (let i = 0; i < due.length; i += batchSize) await this.read(due.slice(i, i + batchSize));
    this.#changes = count === null || /^\d{1,16}$/.test(count) ? count : undefined;
  }

  /** Re-reads one key a channel message named: one read at a time per key, and one more if news came meanwhile. */
  hint(entry: Entry, failed: (error: unknown) => void): void {
    if (entry.hinted !== 0) {
      entry.hinted = 2;
      return;
    }
    entry.hinted = 1;
    this.read([entry])
      .catch(failed)
      .finally(() => {
        const again = entry.hinted === 2;
        entry.hinted = 0;
        if (again) this.hint(entry, failed);
      });
  }

  /** Reads `batch` in one script. */
  async read(batch: Entry[]): Promise<void> {
    const { runner, channel, id, leaseTtl, changesKey, logKey } = this.#ctx;
    const now = performance.now();
    const args = [channel, id, String(leaseTtl)];
    for (const e of batch) args.push(this.#flag(e, now), e.name);
    const ops = batch.map((e) => ++e.ops);
    const raw = await runner.run(scripts.reconcile, [changesKey, logKey, ...batch.map((e) => e.key)], args);
    this.#ctx.available();
    if (!Array.isArray(raw)) throw new TypeError(`tripswitch/redis: unexpected script reply ${String(raw)}`);
    for (const [j, entry] of batch.entries()) this.#reconciled(entry, raw[j], ops[j] as number);
  }

  /** '1' a trial really runs (the lease is renewed), '2' the holder is idle (the lease lapses), '0' no lease wanted. */
  #flag(entry: Entry, now: number): string {
    const holder = entry.holder;
    if (holder === undefined) return entry.acquiring > 0 ? '2' : '0';
    // probing() settles the holder's halfOpenMaxWait first: it may reopen, and then it holds nothing.
    const running = holder.probing();
    if (entry.holder !== holder) return '0';
    return leaseRenewable(running, entry.grantedAt, now, this.#ctx.maxProbeTime) ? '1' : '2';
  }

  #reconciled(entry: Entry, raw: unknown, op: number): void {
    if (!this.#ctx.attached(entry)) return;
    entry.fresh = false;
    const reply = parseKeyReply(raw, this.#ctx.leaseTtl);
    if (typeof reply === 'string') {
      this.#ctx.malformed(entry, reply);
      return;
    }
    entry.malformed = false;
    if (op !== entry.ops || reply.flag === '1') return;
    // Not ours (any more): a lease lost while this store was away, or given back.
    entry.holder = undefined;
    // A missing key is no news; a version this store already reflects neither.
    if (reply.version === 0 || reply.version === entry.applied) return;
    entry.applied = reply.version;
    this.#ctx.apply(entry, sharedOf(reply));
  }
}
