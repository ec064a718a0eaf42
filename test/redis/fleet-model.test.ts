import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../src/index.js';
import { RedisStateStore } from '../../src/redis/index.js';
import { type Faults, faultyClient, faultySubscriber, shutDown, sleep } from './faults.js';
import { deleteKeys, requireRedis, uniquePrefix, waitFor } from './helpers.js';

// A fleet of stores on real Redis behind a fault-injecting layer: commands fail (before or after Redis ran
// them) or answer late (in order, as one connection does), channel messages are dropped, duplicated,
// delayed and so reordered, and lease holders are killed (their connection goes silent, they get no more
// calls). After the faults stop and the dependency works: every live peer closes within the bound and
// they agree; one failure then opens every peer (no stale close undoes it), and a recovery runs at most
// halfOpenMaxCalls trials at a time fleet-wide. Every other history counts fleet-wide (sharedCounting): the
// opens then come from the count script; test/redis/fleet-model-counting.test.ts checks the counts themselves.

const available = await requireRedis();
const runPrefix = uniquePrefix('fleet-model');
const clients: Redis[] = [];
let histories = 0;

afterAll(async () => {
  for (const client of clients) client.disconnect();
  if (available) await deleteKeys(runPrefix);
});

type Step = { kind: 'call'; who: number; ok: boolean } | { kind: 'wait'; ms: number } | { kind: 'kill'; who: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('call' as const), who: fc.nat(5), ok: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 5, max: 250 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), who: fc.nat(5) }) },
);

const leaseTtl = 250;
const maxProbeTime = 600;
const recoveryTimeout = 150;
const halfOpenMaxWait = 300;
const bound = recoveryTimeout + maxProbeTime + leaseTtl + halfOpenMaxWait + 1000; // + reconciles, timeouts, round trips

interface Member {
  readonly breaker: CircuitBreaker;
  readonly store: RedisStateStore;
  readonly faults: Faults;
  state: CircuitState;
  dead: boolean;
}

async function history(seed: number, steps: Step[]): Promise<void> {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  // A prefix of its own (fast-check may draw a seed twice): no key of another history is in sight.
  const prefix = `${runPrefix}${++histories}-${seed}:`;
  const members: Member[] = [];
  // Every other history counts fleet-wide (issue 15): a failure opens the fleet through the count script, a
  // fleet trip written, versioned and published like any other open, under the same faults and invariants.
  const counting = seed % 2 === 1;
  for (let i = 0; i < 3; i++) {
    const faults: Faults = { on: false, dead: false, random };
    const store = new RedisStateStore({
      client: faultyClient(faults, clients),
      subscriber: faultySubscriber(faults, clients),
      prefix,
      reconcileInterval: 50,
      commandTimeout: 100,
      leaseTtl,
      maxProbeTime,
      ...(counting ? { sharedCounting: { failureThreshold: 1, window: 10_000, flushInterval: 30 } } : {}),
    });
    store.on('error', () => {});
    const breaker = new CircuitBreaker('dependency', {
      store,
      registry: false,
      kind: 'async',
      // Counting: the local detector stays out of the way, the fleet rule (1 failure) opens it.
      failureThreshold: counting ? 100 : 1,
      successThreshold: 1,
      recoveryTimeout,
      halfOpenMaxWait,
    });
    const member: Member = { breaker, store, faults, state: 'closed', dead: false };
    breaker.on('stateChange', (e) => {
      member.state = e.to;
    });
    members.push(member);
  }
  await waitFor(
    'every store to sync',
    async () =>
      (
        await Promise.all(
          members.map((m) =>
            m.store.sync().then(
              () => true,
              () => false,
            ),
          ),
        )
      ).every(Boolean),
    5000,
  );
  const alive = () => members.filter((m) => !m.dead);
  let running = 0;
  let maxRunning = 0;
  const call = (m: Member, ok: boolean) =>
    m.breaker
      .call(async () => {
        const trial = m.state === 'half_open';
        if (trial) maxRunning = Math.max(maxRunning, ++running);
        await sleep(10);
        if (trial) running--;
        if (!ok) throw new Error('down');
      })
      .catch(() => {});

  try {
    for (const m of members) m.faults.on = true;
    for (const s of steps) {
      if (s.kind === 'call') void call(alive()[s.who % alive().length] as Member, s.ok);
      else if (s.kind === 'wait') await sleep(s.ms);
      else if (alive().length > 1) {
        const m = alive()[s.who % alive().length] as Member;
        m.dead = true;
        m.faults.dead = true;
      }
    }
    for (const m of members) m.faults.on = false;
    // The dependency works again: every live peer closes within the bound, and they agree.
    await waitFor(
      `every live peer to close within ${bound} ms`,
      async () => {
        await Promise.all(alive().map((m) => call(m, true)));
        await sleep(10);
        return alive().every((m) => m.state === 'closed');
      },
      bound,
    );
    // One failure opens every live peer; then a recovery runs at most halfOpenMaxCalls (1) trial at a time.
    await call(alive()[0] as Member, false);
    await waitFor('every live peer to open', () => alive().every((m) => m.state === 'open'), 1000);
    maxRunning = 0;
    await waitFor(
      'every live peer to close again',
      async () => {
        await Promise.all(alive().map((m) => call(m, true)));
        return alive().every((m) => m.state === 'closed');
      },
      bound,
    );
    expect(maxRunning).toBeLessThanOrEqual(1);
  } finally {
    await shutDown(members);
  }
}

describe.skipIf(!available)('a fleet of RedisStateStores behind injected faults (model test)', () => {
  it('converges closed within the bound, opens together and probes one at a time after the faults stop', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(step, { minLength: 5, maxLength: 25 }), history), {
      numRuns: Number(process.env.FLEET_MODEL_RUNS ?? 12),
      endOnFailure: true,
    });
  }, 300_000);
});
