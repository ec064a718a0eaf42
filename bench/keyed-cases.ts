import { do_not_optimize } from 'mitata';
import { CircuitBreaker, keyedCircuitBreaker } from 'tripswitch';
import type { Case } from './cases.js';
import { isSync, returns } from './verify.js';

const HOT_KEYS = 1_000;
const keys = Array.from({ length: HOT_KEYS }, (_, i) => `tenant-${i}`);

/** Notes printed under the keyed scenarios' tables. */
export const keyedNotes: Readonly<Record<string, string>> = {
  'keyed, sync success, closed':
    'the cost of the key is the difference to "one breaker for every key" (the key function, the lookup, the LRU move); the last row builds a breaker and drops one on every call. cockatiel and opossum have no keyed breaker.',
  'keyed, async success, closed': 'as above, for an async function.',
};

/** Cycles through `keys`, one per call: every call of a row hits a different key than the last. */
function cycler(): () => string {
  let i = 0;
  return () => {
    i = i === HOT_KEYS - 1 ? 0 : i + 1;
    return keys[i] as string;
  };
}

function keyedRows(scenario: string, bare: (tenant: string) => unknown): Omit<Case, 'verify'>[] {
  const single = new CircuitBreaker('bench', { registry: false }).wrap(bare);
  const one = keyedCircuitBreaker(bare, { key: (tenant) => tenant, registry: false });
  const hot = keyedCircuitBreaker(bare, { key: (tenant) => tenant, registry: false, maxKeys: HOT_KEYS });
  const ttl = keyedCircuitBreaker(bare, { key: (tenant) => tenant, registry: false, maxKeys: HOT_KEYS, idleTtl: 600_000 });
  // Twice as many keys as maxKeys: each call evicts the least recently used breaker and builds a new one.
  const churn = keyedCircuitBreaker(bare, { key: (tenant) => tenant, registry: false, maxKeys: HOT_KEYS / 2 });
  const [nextBare, nextHot, nextTtl, nextChurn] = [cycler(), cycler(), cycler(), cycler()];
  return [
    { scenario, subject: 'bare `fn(key)`', role: 'bare', run: () => bare(nextBare()) },
    { scenario, subject: 'tripswitch, one breaker for every key', run: () => single('tenant-0') },
    { scenario, subject: 'keyed, 1 key', run: () => one('tenant-0') },
    { scenario, subject: `keyed, ${HOT_KEYS.toLocaleString('en')} keys in turn`, run: () => hot(nextHot()) },
    { scenario, subject: `keyed, ${HOT_KEYS.toLocaleString('en')} keys in turn, idleTtl`, run: () => ttl(nextTtl()) },
    {
      scenario,
      subject: `keyed, ${HOT_KEYS.toLocaleString('en')} keys, maxKeys ${(HOT_KEYS / 2).toLocaleString('en')} (evicts every call)`,
      run: () => churn(nextChurn()),
    },
  ];
}

/** Keyed breakers (`keyedCircuitBreaker`): the cost of the key lookup, LRU upkeep and eviction per call. */
export function keyed(): Case[] {
  const sync = keyedRows('keyed, sync success, closed', (_tenant: string): number => 1).map((row) => ({
    ...row,
    run: () => do_not_optimize(row.run()),
    verify: () => isSync(row.run, 1),
  }));
  const async = keyedRows('keyed, async success, closed', async (_tenant: string): Promise<number> => 1).map((row) => ({
    ...row,
    verify: () => returns(row.run, 1),
  }));
  return [...sync, ...async];
}
