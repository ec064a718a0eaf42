import type { BreakerPort } from '../storage/state-store.js';

/** What a store keeps about one breaker name: its key, its breakers, and where its key stands. */
export interface Entry {
  readonly name: string;
  readonly key: string;
  readonly ports: Set<BreakerPort>;
  /** Version of the state this store's breakers reflect (`-1`: none yet): a reply with another version is news. */
  applied: number;
  /** The breaker of this store holding the fleet-wide probe lease, and when it got it (`performance.now()`). */
  holder: BreakerPort | undefined;
  grantedAt: number;
  /** A local transition Redis has not taken yet: pushed again on the next reconcile. */
  dirty: boolean;
  writes: number;
  /** Commands sent for this key; replies come back in order, so only the last one sent speaks for the key. */
  ops: number;
  /** Not read since it was attached: the next reconcile reads it whatever the change counter says. */
  fresh: boolean;
  /** Lease requests in flight: a read sent meanwhile must not give back the lease one of them may just have won. */
  acquiring: number;
  /** A read asked for by a channel message is running (`1`), or one more is wanted after it (`2`). */
  hinted: 0 | 1 | 2;
  malformed: boolean;
}

/** A new entry for `name`, stored under `key`, not read yet. */
export function createEntry(name: string, key: string): Entry {
  return {
    name,
    key,
    ports: new Set(),
    applied: -1,
    holder: undefined,
    grantedAt: 0,
    dirty: false,
    writes: 0,
    ops: 0,
    fresh: true,
    acquiring: 0,
    hinted: 0,
    malformed: false,
  };
}
