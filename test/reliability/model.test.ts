import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState, isCircuitOpenError, type StateChangeEvent } from '../../src/index.js';
import { BreakerModel, type ModelConfig, type ModelRejection } from './model.js';

/*
 * Model-based test: random histories of calls, settlements in random order, clock advances and manual
 * transitions run against the real breaker and the reference model in ./model.ts; every answer (its
 * shape too: plain value, throw or promise, per `kind` and `fallback`), every stateChange event and the
 * status counters must agree.
 *
 * Replay a failure with the seed (and path) it prints: FC_SEED=123 FC_PATH='4:1:0' npx vitest run test/reliability/model.test.ts
 * FC_RUNS sets the number of histories (default 10 000).
 *
 * Extending: a new state-machine rule goes into BreakerModel (and its option into ModelConfig/configArb);
 * a new kind of step is one more command class added to `commands` (e.g. slow calls, snapshot/restore).
 */

const runs = Number(process.env.FC_RUNS ?? 10_000);
const seed = process.env.FC_SEED === undefined ? (Date.now() ^ (Math.random() * 0x100000000)) | 0 : Number(process.env.FC_SEED);
const path = process.env.FC_PATH;

class Ignored extends Error {}
const BAD = Symbol('bad result');
type Outcome = 'success' | 'failure' | 'ignored' | 'badResult';

/** How callers are answered: the breaker options that shape answers rather than the state machine. */
interface CallerConfig {
  /** `'none'`: no fallback; otherwise the `fallbackOn` value. */
  readonly fallback: 'none' | 'rejected' | 'any';
  readonly kind: 'auto' | 'sync' | 'async';
}

/** What the caller saw: a plain value, a synchronous throw, or a promise. */
type Answer = { kind: 'value'; value: unknown } | { kind: 'thrown'; error: unknown } | { kind: 'promise'; promise: Promise<unknown> };
type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Pending {
  readonly generation: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Filled when the caller's promise settles. */
  settled: Settled | undefined;
}

interface World {
  readonly model: BreakerModel;
  readonly caller: CallerConfig;
  readonly pending: Pending[];
  /** Whether the async call site has returned a thenable yet (with `kind: 'auto'` it then answers refusals with a promise). */
  asyncSiteSeen: boolean;
  fallbacks: number;
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

const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Checks the shape (sync value or throw, or promise) and the outcome of an answer. */
async function expectAnswer(got: Answer, async: boolean, expected: (settled: Settled) => void): Promise<void> {
  if (async) {
    expect(got.kind).toBe('promise');
    expected(await settle((got as { promise: Promise<unknown> }).promise));
  } else {
    expect(got.kind).not.toBe('promise');
    expected(got.kind === 'value' ? { ok: true, value: got.value } : { ok: false, error: (got as { error: unknown }).error });
  }
}

/** A refused call: `CircuitOpenError` with the model's state and retry time, or the fallback's answer. */
function expectRefusal(world: World, rejection: ModelRejection, breakerName: string): (settled: Settled) => void {
  if (world.caller.fallback !== 'none') {
    world.fallbacks++;
    return (settled) => expect(settled).toEqual({ ok: true, value: 'fallback:open' });
  }
  return (settled) => {
    expect(settled.ok).toBe(false);
    const error = (settled as { error: unknown }).error;
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({ breakerName, state: rejection.state, retryAfterMs: rejection.retryAfterMs });
  };
}

/** What the caller of an admitted call gets for `outcome`; a counted failure goes to the fallback with `fallbackOn: 'any'`. */
function expectOutcome(world: World, outcome: Outcome, thrown: unknown): (settled: Settled) => void {
  if (outcome === 'success') return (settled) => expect(settled).toEqual({ ok: true, value: 'ok' });
  if (outcome === 'badResult') return (settled) => expect(settled).toEqual({ ok: true, value: BAD });
  if (outcome === 'failure' && world.caller.fallback === 'any') {
    world.fallbacks++;
    return (settled) => expect(settled).toEqual({ ok: true, value: 'fallback:failed' });
  }
  return (settled) => expect(settled).toEqual({ ok: false, error: thrown });
}

/** Whether a refusal at this site answers with a promise (see `kind`). */
function refusesAsync(world: World, site: 'sync' | 'async'): boolean {
  const kind = world.caller.kind;
  return kind === 'async' || (kind === 'auto' && site === 'async' && world.asyncSiteSeen);
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const outcomeArb = fc.constantFrom<Outcome>('success', 'failure', 'ignored', 'badResult');

/** The sync site throws this exact value, so the test can check it is rethrown unchanged. */
const thrownBy = new Map<Outcome, unknown>([
  ['failure', new Error('failed')],
  ['ignored', new Ignored('ignored')],
]);

class SyncCall implements fc.AsyncCommand<World, Real> {
  constructor(readonly outcome: Outcome) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const decision = world.model.admit();
    const got = answer(() => real.syncCall(this.outcome));
    if (!decision.admitted) {
      await expectAnswer(got, refusesAsync(world, 'sync'), expectRefusal(world, decision.rejection, real.breaker.name));
      return;
    }
    record(world.model, this.outcome, decision.generation);
    await expectAnswer(got, false, expectOutcome(world, this.outcome, thrownBy.get(this.outcome)));
  }
  toString = (): string => `sync(${this.outcome})`;
}

class StartAsync implements fc.AsyncCommand<World, Real> {
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const decision = world.model.admit();
    const slot: { resolve?: (v: unknown) => void; reject?: (e: unknown) => void } = {};
    const got = answer(() => real.asyncCall(slot));
    if (!decision.admitted) {
      expect(slot.resolve).toBeUndefined(); // the function did not run
      await expectAnswer(got, refusesAsync(world, 'async'), expectRefusal(world, decision.rejection, real.breaker.name));
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
    void settle((got as { promise: Promise<unknown> }).promise).then((settled) => {
      pending.settled = settled;
    });
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
    expect(pending.settled).toBeDefined();
    expectOutcome(world, this.outcome, error)(pending.settled as Settled);
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
      fallbacks: world.fallbacks,
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
const settleCall = fc.tuple(fc.nat(20), outcomeArb).map(([i, o]) => new Settle(i, o));
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
  settleCall,
  settleCall,
  settleCall,
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

const callerArb: fc.Arbitrary<CallerConfig> = fc.record({
  fallback: fc.constantFrom('none' as const, 'none' as const, 'rejected' as const, 'any' as const),
  kind: fc.constantFrom('auto' as const, 'auto' as const, 'sync' as const, 'async' as const),
});

function setup(config: ModelConfig, caller: CallerConfig): { model: World; real: Real } {
  const world: World = { model: new BreakerModel(config), caller, pending: [], asyncSiteSeen: false, fallbacks: 0 };
  const clock = { now: () => world.model.now };
  const breaker = new CircuitBreaker('model', {
    ...config,
    clock,
    registry: false,
    kind: caller.kind,
    ignoreErrors: [Ignored],
    isResultFailure: (result: unknown) => result === BAD,
    ...(caller.fallback === 'none'
      ? {}
      : {
          fallbackOn: caller.fallback,
          fallback: (...argsAndError: unknown[]) => (isCircuitOpenError(argsAndError.at(-1)) ? 'fallback:open' : 'fallback:failed'),
        }),
  });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (event) => events.push(event));
  const syncCall = breaker.wrap((outcome: Outcome) => {
    if (outcome === 'success') return 'ok';
    if (outcome === 'badResult') return BAD;
    throw thrownBy.get(outcome);
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
    const property = fc.asyncProperty(
      configArb,
      callerArb,
      fc.commands(commands, { maxCommands: 60, size: 'large' }),
      async (config, caller, cmds) => {
        histories++;
        let world: World | undefined;
        await fc.asyncModelRun(() => {
          const s = setup(config, caller);
          world = s.model;
          return s;
        }, cmds);
        steps += [...cmds].length;
        stale += world?.model.staleOutcomes ?? 0;
        for (const t of world?.model.transitions ?? []) reasons[t.reason] = (reasons[t.reason] ?? 0) + 1;
      },
    );
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
