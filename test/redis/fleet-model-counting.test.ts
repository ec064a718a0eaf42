import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/index.js';
import { RedisStateStore } from '../../src/redis/index.js';
import { type Faults, faultyClient, faultySubscriber, shutDown, sleep } from './faults.js';
import { deleteKeys, requireRedis, uniquePrefix, waitFor } from './helpers.js';

// The fleet model of issue 14 extended to shared counting (issue 15): stores on real Redis behind the same
// fault-injecting layer (commands fail before Redis runs them or lose their reply after, replies arrive late
// and past the command timeout, messages are dropped, duplicated and reordered) count outcomes of one name
// while stores die (silent from then on), restart under a new id, and detach and attach their breaker again.
// An oracle hears every count script sent to Redis (batch numbers and counts from its arguments) and whether
// Redis ran it (its own reply, before a fault drops it). Invariants:
// - no doubled count: the totals in Redis never exceed what the distinct batches of commands sent (and not
//   refused) carried, and those never exceed what the stores counted; once quiet, the totals are exactly the
//   distinct batches Redis ran;
// - no lost count: once the faults stop, everything a live store counted reaches Redis (since its breaker was
//   last attached: what a detached breaker had not sent goes with it, by design).
// The fleet rule and the local detectors are set out of reach, so no transition resets the count mid-history;
// trips under faults are covered by test/redis/fleet-model.test.ts and test/redis/shared-counting*.test.ts.
// test/storage/shared-counting.model.test.ts checks the same batching against CountTotals, without Redis.

const available = await requireRedis();
const runPrefix = uniquePrefix('fleet-count-model');
const clients: Redis[] = [];
const admin = available ? new Redis() : undefined;

afterAll(async () => {
  for (const client of clients) client.disconnect();
  if (available) await deleteKeys(runPrefix);
  admin?.disconnect();
});

type Step =
  | { kind: 'count'; who: number; failure: boolean; times: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'restart'; who: number }
  | { kind: 'reattach'; who: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('count' as const),
      who: fc.nat(5),
      failure: fc.boolean(),
      times: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 5, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), who: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reattach' as const), who: fc.nat(5) }) },
);

interface Tally {
  failures: number;
  calls: number;
}

interface Member {
  readonly store: RedisStateStore;
  readonly faults: Faults;
  breaker: CircuitBreaker;
  /** Everything its breakers counted, and what the one attached now counted. */
  readonly counted: Tally;
  sinceAttach: Tally;
}

const out = 100_000; // the most a threshold may be: neither the fleet rule nor a local detector trips in a history
const name = 'dependency';
let histories = 0;

async function history(seed: number, steps: Step[]): Promise<void> {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  // A prefix of its own (fast-check may draw a seed twice): no count of another history is in sight.
  const prefix = `${runPrefix}${++histories}-${seed}:`;
  /**
   * Per sender (store id), by batch number: what the batch carries, and how many commands carrying it are on
   * their way or were run by Redis (a refused one, such as EVALSHA answered NOSCRIPT, no longer counts).
   */
  const reached = new Map<string, Map<number, { tally: Tally; commands: number }>>();
  const sent = (command: string, args: readonly string[], reply: Promise<unknown>) => {
    if (!/^eval(sha)?$/i.test(command) || args[1] !== '5' || !String(args[3]).endsWith(':counts')) return;
    const sender = String(args[4]).slice(String(args[4]).lastIndexOf(':sent:') + ':sent:'.length);
    const batches = reached.get(sender) ?? new Map<number, { tally: Tally; commands: number }>();
    reached.set(sender, batches);
    for (let i = 2 + 5 + 10; i + 2 < args.length; i += 3) {
      const seq = Number(args[i]);
      const batch = batches.get(seq) ?? { tally: { failures: Number(args[i + 1]), calls: Number(args[i + 2]) }, commands: 0 };
      batches.set(seq, batch);
      batch.commands++;
      reply.catch(() => batch.commands--);
    }
  };
  const sumReached = (sender?: string): Tally => {
    const total = { failures: 0, calls: 0 };
    for (const [id, batches] of reached) {
      if (sender !== undefined && id !== sender) continue;
      for (const b of batches.values()) {
        if (b.commands === 0) continue;
        total.failures += b.tally.failures;
        total.calls += b.tally.calls;
      }
    }
    return total;
  };
  const breakerOn = (store: RedisStateStore) =>
    new CircuitBreaker(name, { store, registry: false, failureThreshold: out, recoveryTimeout: 1000 });
  const spawn = (): Member => {
    const faults: Faults = { on: true, dead: false, random };
    const store = new RedisStateStore({
      client: faultyClient(faults, clients, sent),
      subscriber: faultySubscriber(faults, clients),
      prefix,
      reconcileInterval: 50,
      commandTimeout: 100,
      leaseTtl: 250,
      sharedCounting: { failureThreshold: out, window: 2 ** 31 - 1, flushInterval: 30 },
    });
    store.on('error', () => {});
    return { store, faults, breaker: breakerOn(store), counted: { failures: 0, calls: 0 }, sinceAttach: { failures: 0, calls: 0 } };
  };
  const members = [spawn(), spawn(), spawn()];
  const everyone: Member[] = [...members];
  const inRedis = async (): Promise<Tally> => {
    const counts = await (admin as Redis).hgetall(`${prefix}breaker:${name}:counts`);
    const total = { failures: 0, calls: 0 };
    for (const [field, value] of Object.entries(counts)) {
      if (field.startsWith('f')) total.failures += Number(value);
      if (field.startsWith('n')) total.calls += Number(value);
    }
    return total;
  };
  const countedByAll = (): Tally =>
    everyone.reduce((t, m) => ({ failures: t.failures + m.counted.failures, calls: t.calls + m.counted.calls }), { failures: 0, calls: 0 });
  const noDoubles = async (where: string) => {
    const [redis, distinct, counted] = [await inRedis(), sumReached(), countedByAll()];
    expect(redis.calls, `${where}: calls in Redis <= distinct batches`).toBeLessThanOrEqual(distinct.calls);
    expect(redis.failures, `${where}: failures in Redis <= distinct batches`).toBeLessThanOrEqual(distinct.failures);
    expect(distinct.calls, `${where}: distinct batches <= counted`).toBeLessThanOrEqual(counted.calls);
    expect(distinct.failures, `${where}: distinct batches <= counted`).toBeLessThanOrEqual(counted.failures);
  };

  try {
    for (const [i, s] of steps.entries()) {
      const m = members[s.kind === 'wait' ? 0 : s.who % members.length] as Member;
      if (s.kind === 'count') {
        for (let n = 0; n < s.times; n++) {
          try {
            m.breaker.call(() => {
              if (s.failure) throw new Error('down');
            });
          } catch {
            // a counted failure
          }
          for (const t of [m.counted, m.sinceAttach]) {
            t.calls++;
            if (s.failure) t.failures++;
          }
        }
      } else if (s.kind === 'wait') {
        await sleep(s.ms);
        await noDoubles(`step ${i}`);
      } else if (s.kind === 'restart') {
        // The process dies (its connection goes silent: what it had not sent is lost); a new one takes its place.
        m.faults.dead = true;
        const next = spawn();
        members[s.who % members.length] = next;
        everyone.push(next);
      } else {
        m.breaker.dispose();
        m.breaker = breakerOn(m.store);
        m.sinceAttach = { failures: 0, calls: 0 };
      }
    }
    for (const m of members) m.faults.on = false;
    // The faults stop: every live store's counts reach Redis, once.
    await waitFor(
      'every live store to flush what it counted',
      () =>
        members.every((m) => {
          const got = sumReached(m.store.id);
          return got.calls >= m.sinceAttach.calls && got.failures >= m.sinceAttach.failures;
        }),
      3000,
    );
    await sleep(200); // replies on their way land; nothing more is sent
    await noDoubles('after the faults');
    expect(await inRedis(), 'the totals in Redis are the distinct batches Redis ran').toEqual(sumReached());
    for (const m of members) {
      const got = sumReached(m.store.id);
      expect(got.calls, 'a live store: no more than it counted').toBeLessThanOrEqual(m.counted.calls);
      expect(got.failures, 'a live store: no more than it counted').toBeLessThanOrEqual(m.counted.failures);
      if (m.counted.calls === m.sinceAttach.calls) expect(got, 'a live store never detached: all it counted').toEqual(m.counted);
    }
  } finally {
    await shutDown(everyone);
  }
}

describe.skipIf(!available)('shared counting in a fleet of RedisStateStores behind injected faults (model test)', () => {
  it('never doubles a count and loses none of a live store across flushes, faults, restarts and re-attaches', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(step, { minLength: 5, maxLength: 30 }), history), {
      numRuns: Number(process.env.FLEET_MODEL_RUNS ?? 12),
      endOnFailure: true,
    });
  }, 300_000);
});
