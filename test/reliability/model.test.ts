import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState, isCircuitOpenError, type StateChangeEvent } from '../../src/index.js';
import { BreakerModel, type ModelConfig, type ModelRejection } from './model.js';

/*
 * Model-based test: random histories of calls, settlements in random order, clock advances and manual
 * transitions run against the real breaker and the reference model in ./model.ts; every answer, every
 * stateChange event and the status counters must agree.
 *
 * Replay a failure with the seed (and path) it prints: FC_SEED=123 FC_PATH='4:1:0' npx vitest run test/reliability/model.test.ts
 * FC_RUNS sets the number of histories (default 10 000).
 */

const runs = Number(process.env.FC_RUNS ?? 10_000);
const seed = process.env.FC_SEED === undefined ? (Date.now() ^ (Math.random() * 0x100000000)) | 0 : Number(process.env.FC_SEED);
const path = process.env.FC_PATH;

class Ignored extends Error {}
const BAD = Symbol('bad result');
type Outcome = 'success' | 'failure' | 'ignored' | 'badResult';

/** What the caller saw: a plain value, a synchronous throw, a resolved or a rejected promise. */
type Answer = { kind: 'value'; value: unknown } | { kind: 'thrown'; error: unknown } | { kind: 'promise'; promise: Promise<unknown> };

interface Pending {
  readonly generation: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Filled when the caller's promise settles. */
  settled: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
}

interface World {
  readonly model: BreakerModel;
  readonly pending: Pending[];
  /** Whether the async call site has returned a thenable yet (it then answers rejections with a promise). */
  asyncSiteSeen: boolean;
}

interface Real {
  readonly breaker: CircuitBreaker;
  readonly events: StateChangeEvent[];
  readonly syncCall: (outcome: Outcome) => unknown;
  readonly asyncCall: (pending: { resolve?: (v: unknown) => void; reject?: (e: unknown) => void }) => unknown;
}

function answer(run: () => unknown): Answer {
  try {
    const value = run();
    if (value instanceof Promise) return { kind: 'promise', promise: value };
    return { kind: 'value', value };
  } catch (error) {
    return { kind: 'thrown', error };
  }
}

function expectRejection(error: unknown, rejection: ModelRejection, breakerName: string): void {
  expect(isCircuitOpenError(error)).toBe(true);
  expect(error).toMatchObject({ breakerName, state: rejection.state, retryAfterMs: rejection.retryAfterMs });
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const outcomeArb = fc.constantFrom<Outcome>('success', 'failure', 'ignored', 'badResult');

class SyncCall implements fc.AsyncCommand<World, Real> {
  constructor(readonly outcome: Outcome) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const m = world.model;
    const decision = m.admit();
    const got = answer(() => real.syncCall(this.outcome));
    if (!decision.admitted) {
      expect(got.kind).toBe('thrown');
      expectRejection((got as { error: unknown }).error, decision.rejection, real.breaker.name);
      return;
    }
    record(m, this.outcome, decision.generation);
    if (this.outcome === 'success') expect(got).toEqual({ kind: 'value', value: 'ok' });
    else if (this.outcome === 'badResult') expect(got).toEqual({ kind: 'value', value: BAD });
    else {
      expect(got.kind).toBe('thrown');
      expect((got as { error: unknown }).error).toBeInstanceOf(this.outcome === 'ignored' ? Ignored : Error);
    }
  }
  toString = (): string => `sync(${this.outcome})`;
}

class StartAsync implements fc.AsyncCommand<World, Real> {
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const m = world.model;
    const decision = m.admit();
    const slot: { resolve?: (v: unknown) => void; reject?: (e: unknown) => void } = {};
    const got = answer(() => real.asyncCall(slot));
    if (!decision.admitted) {
      expect(slot.resolve).toBeUndefined(); // the function did not run
      // Until the site has answered with a thenable, the breaker cannot know it is async: it throws.
      if (world.asyncSiteSeen) {
        expect(got.kind).toBe('promise');
        const error = await (got as { promise: Promise<unknown> }).promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expectRejection(error, decision.rejection, real.breaker.name);
      } else {
        expect(got.kind).toBe('thrown');
        expectRejection((got as { error: unknown }).error, decision.rejection, real.breaker.name);
      }
      return;
    }
    world.asyncSiteSeen = true;
    expect(got.kind).toBe('promise');
    const pending: Pending = {
      generation: decision.generation,
      resolve: slot.resolve as (v: unknown) => void,
      reject: slot.reject as (e: unknown) => void,
      settled: undefined,
    };
    (got as { promise: Promise<unknown> }).promise.then(
      (value) => {
        pending.settled = { ok: true, value };
      },
      (error: unknown) => {
        pending.settled = { ok: false, error };
      },
    );
    world.pending.push(pending);
  }
  toString = (): string => 'startAsync';
}

class Settle implements fc.AsyncCommand<World, Real> {
  constructor(
    readonly index: number,
    readonly outcome: Outcome,
  ) {}
  check = (world: Readonly<World>): boolean => world.pending.length > 0;
  async run(world: World): Promise<void> {
    const [pending] = world.pending.splice(this.index % world.pending.length, 1);
    if (pending === undefined) throw new Error('no pending call');
    const error = this.outcome === 'ignored' ? new Ignored('ignored') : new Error('failed');
    if (this.outcome === 'success') pending.resolve('ok');
    else if (this.outcome === 'badResult') pending.resolve(BAD);
    else pending.reject(error);
    await flush();
    record(world.model, this.outcome, pending.generation);
    if (this.outcome === 'success') expect(pending.settled).toEqual({ ok: true, value: 'ok' });
    else if (this.outcome === 'badResult') expect(pending.settled).toEqual({ ok: true, value: BAD });
    else expect(pending.settled).toEqual({ ok: false, error });
  }
  toString = (): string => `settle(${this.index}, ${this.outcome})`;
}

class Advance implements fc.AsyncCommand<World, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    world.model.now += this.ms;
  }
  toString = (): string => `advance(${this.ms})`;
}

class Manual implements fc.AsyncCommand<World, Real> {
  constructor(readonly action: 'trip' | 'reset' | 'disable') {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    world.model[this.action]();
    real.breaker[this.action]();
  }
  toString = (): string => this.action;
}

/** Reads `state` and `status()`; reading moves a due open breaker to half-open in both. */
class Observe implements fc.AsyncCommand<World, Real> {
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const m = world.model;
    const expected: CircuitState = m.observe();
    expect(real.breaker.state).toBe(expected);
    const status = real.breaker.status();
    expect(status).toMatchObject({
      state: expected,
      ...m.totals,
      halfOpenInFlight: m.state === 'half_open' ? m.trialsInFlight : 0,
      halfOpenSuccesses: m.state === 'half_open' ? m.trialSuccesses : 0,
      timeUntilRecoveryMs: m.state === 'open' ? m.openUntil - m.now : null,
    });
    expect(status.detector.failures).toBe(m.consecutiveFailures);
    expect(real.events.map(({ from, to, reason }) => ({ from, to, reason }))).toEqual(m.transitions);
  }
  toString = (): string => 'observe';
}

function record(model: BreakerModel, outcome: Outcome, generation: number): void {
  if (outcome === 'success') model.succeeded(generation);
  else if (outcome === 'ignored') model.ignored(generation);
  else model.failed(generation);
}

const syncCall = outcomeArb.map((o) => new SyncCall(o));
const startAsync = fc.constant(new StartAsync());
const settle = fc.tuple(fc.nat(20), outcomeArb).map(([i, o]) => new Settle(i, o));
const advance = fc.oneof(fc.constantFrom(0, 1, 10, 100), fc.integer({ min: 0, max: 150 })).map((ms) => new Advance(ms));
const manual = fc.constantFrom('trip' as const, 'reset' as const, 'disable' as const).map((a) => new Manual(a));
const observe = fc.constant(new Observe());
// fc.commands picks among these uniformly: repeats weight calls and settlements over manual actions.
const commands = [
  syncCall,
  syncCall,
  syncCall,
  startAsync,
  startAsync,
  settle,
  settle,
  settle,
  advance,
  advance,
  observe,
  observe,
  fc.oneof({ arbitrary: manual, weight: 1 }, { arbitrary: observe, weight: 2 }),
];

const configArb: fc.Arbitrary<ModelConfig> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
  recoveryTimeout: fc.constantFrom(0, 1, 10, 50, 100),
});

function setup(config: ModelConfig): { model: World; real: Real } {
  const world: World = { model: new BreakerModel(config), pending: [], asyncSiteSeen: false };
  const clock = { now: () => world.model.now };
  const breaker = new CircuitBreaker('model', {
    ...config,
    clock,
    registry: false,
    ignoreErrors: [Ignored],
    isResultFailure: (result: unknown) => result === BAD,
  });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (event) => events.push(event));
  const syncCall = breaker.wrap((outcome: Outcome) => {
    if (outcome === 'success') return 'ok';
    if (outcome === 'badResult') return BAD;
    throw outcome === 'ignored' ? new Ignored('ignored') : new Error('failed');
  });
  // Not `async`: the breaker learns the site is asynchronous from the first thenable it returns.
  const asyncCall = breaker.wrap((slot: { resolve?: (v: unknown) => void; reject?: (e: unknown) => void }) => {
    return new Promise((resolve, reject) => {
      slot.resolve = resolve;
      slot.reject = reject;
    });
  });
  return { model: world, real: { breaker, events, syncCall, asyncCall } };
}

describe('CircuitBreaker (model-based)', () => {
  it(`agrees with the reference model over ${runs} random histories`, async () => {
    let histories = 0;
    let steps = 0;
    let stale = 0;
    const reasons: Record<string, number> = {};
    const property = fc.asyncProperty(configArb, fc.commands(commands, { maxCommands: 60, size: 'large' }), async (config, cmds) => {
      histories++;
      let world: World | undefined;
      await fc.asyncModelRun(() => {
        const s = setup(config);
        world = s.model;
        return s;
      }, cmds);
      steps += [...cmds].length;
      stale += world?.model.staleOutcomes ?? 0;
      for (const t of world?.model.transitions ?? []) reasons[t.reason] = (reasons[t.reason] ?? 0) + 1;
    });
    const started = performance.now();
    const details = await fc.check(property, { numRuns: runs, seed, ...(path === undefined ? {} : { path }), endOnFailure: false });
    if (details.failed) {
      throw new Error(
        `Model divergence (replay: FC_SEED=${details.seed} FC_PATH='${details.counterexamplePath}')\n${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`,
      );
    }
    console.log(
      `model: ${histories} histories, ${steps} commands, ${stale} stale outcomes, transitions ${JSON.stringify(reasons)}, ` +
        `seed ${seed}, ${Math.round(performance.now() - started)} ms (replay with FC_SEED=${seed})`,
    );
    expect(histories).toBeGreaterThanOrEqual(runs);
  }, 180_000);
});
