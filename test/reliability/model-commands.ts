import type fc from 'fast-check';
import { expect, vi } from 'vitest';
import { type CircuitState, isCallTimeoutError } from '../../src/index.js';
import { BreakerModel } from './model.js';
import {
  answer,
  BAD,
  expectAnswer,
  expectOutcome,
  expectRefusal,
  flush,
  Ignored,
  makeReal,
  type Outcome,
  type Pending,
  type Real,
  record,
  refusesAsync,
  type Settled,
  type Slot,
  settle,
  thrownBy,
  type World,
} from './model-harness.js';

/*
 * The steps of a history. Each one runs against the real breaker (through `world.real`) and the model,
 * and checks what the caller got; `Observe` and `Snapshot` compare the breaker's figures with the model's.
 */

export type Command = fc.AsyncCommand<World, World>;

export class SyncCall implements Command {
  constructor(readonly outcome: Outcome) {}
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    const decision = world.model.admit();
    const got = answer(() => world.real.syncCall(this.outcome));
    if (!decision.admitted) {
      await expectAnswer(got, refusesAsync(world, 'sync'), expectRefusal(world, decision.rejection));
      return;
    }
    record(world.model, this.outcome, decision.generation, 0); // no time passes during a sync call
    world.seen.syncValue = true; // it answered synchronously (a value or a throw)
    await expectAnswer(got, false, expectOutcome(world, world.model, this.outcome, thrownBy.get(this.outcome)));
  }
  toString = (): string => `sync(${this.outcome})`;
}

/** Starts an async call through a wrapped function (`'async'`) or `callWithSignal` (`'signal'`). */
export class StartAsync implements Command {
  constructor(readonly site: 'async' | 'signal') {}
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    const decision = world.model.admit();
    const slot: Slot = {};
    const got = answer(() => (this.site === 'async' ? world.real.asyncCall(slot) : world.real.signalCall(slot)));
    if (!decision.admitted) {
      expect(slot.resolve).toBeUndefined(); // the function did not run
      await expectAnswer(got, refusesAsync(world, this.site), expectRefusal(world, decision.rejection));
      return;
    }
    world.seen[this.site] = true;
    expect(got.kind).toBe('promise');
    const now = world.time.now;
    const pending: Pending = {
      model: world.model,
      generation: decision.generation,
      startedAt: now,
      deadline: world.config.timeout === undefined ? Number.POSITIVE_INFINITY : now + world.config.timeout,
      resolve: slot.resolve as (v: unknown) => void,
      reject: slot.reject as (e: unknown) => void,
      signal: slot.signal,
      settled: undefined,
      timedOut: false,
    };
    void settle((got as { promise: Promise<unknown> }).promise).then((settled) => {
      pending.settled = settled;
    });
    world.pending.push(pending);
  }
  toString = (): string => `start(${this.site})`;
}

/** Settles a call in flight; one that already timed out keeps its answer and is not counted again. */
export class Settle implements Command {
  constructor(
    readonly index: number,
    readonly outcome: Outcome,
  ) {}
  check = (world: Readonly<World>): boolean => world.pending.length > 0;
  async run(world: World): Promise<void> {
    const [pending] = world.pending.splice(this.index % world.pending.length, 1);
    if (pending === undefined) throw new Error('no pending call');
    const error = this.outcome === 'ignored' ? new Ignored('ignored') : new Error('failed');
    const before = pending.settled;
    const totals = { ...pending.model.totals };
    if (this.outcome === 'success') pending.resolve('ok');
    else if (this.outcome === 'badResult') pending.resolve(BAD);
    else pending.reject(error);
    await flush();
    if (pending.timedOut) {
      world.counts.lateAfterTimeout++;
      expect(pending.settled).toBe(before);
      expect(pending.model.totals).toEqual(totals);
      return;
    }
    expect(pending.signal?.aborted ?? false).toBe(false); // only a timeout aborts it
    if (world.time.now > pending.startedAt) world.counts.timed++;
    record(pending.model, this.outcome, pending.generation, world.time.now - pending.startedAt);
    expect(pending.settled).toBeDefined();
    expectOutcome(world, pending.model, this.outcome, error)(pending.settled as Settled);
  }
  toString = (): string => `settle(${this.index}, ${this.outcome})`;
}

/** Moves the shared time (and the fake timers and `Date`, in step); calls whose `timeout` runs out meanwhile time out in order. */
export class Advance implements Command {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    const target = world.time.now + this.ms;
    const timedOut: Pending[] = [];
    for (;;) {
      const due = world.pending.filter((p) => !p.timedOut && p.deadline <= target);
      if (due.length === 0) break;
      const at = Math.min(...due.map((p) => p.deadline));
      const step = at - world.time.now;
      world.time.now = at; // first: the timers read the shared time when they fire
      vi.advanceTimersByTime(step);
      // The fake clock fires the timers due at `at` in the order they were set: the order the calls started.
      for (const p of due.filter((p) => p.deadline === at)) {
        p.timedOut = true;
        timedOut.push(p);
        world.counts.timeouts++;
        record(p.model, 'timeout', p.generation, at - p.startedAt);
      }
    }
    const rest = target - world.time.now;
    world.time.now = target;
    vi.advanceTimersByTime(rest);
    await flush();
    for (const p of timedOut) {
      expect(p.settled).toBeDefined();
      expectOutcome(world, p.model, 'timeout', undefined)(p.settled as Settled);
      if (p.signal !== undefined) {
        // callWithSignal: the signal is aborted with the CallTimeoutError itself.
        expect(p.signal.aborted).toBe(true);
        expect(isCallTimeoutError(p.signal.reason)).toBe(true);
        if (p.settled?.ok === false) expect(p.settled.error).toBe(p.signal.reason);
      }
    }
  }
  toString = (): string => `advance(${this.ms})`;
}

export class Manual implements Command {
  constructor(readonly action: 'trip' | 'reset' | 'disable') {}
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    world.model[this.action]();
    world.real.breaker[this.action]();
  }
  toString = (): string => this.action;
}

/** Reads `state`, then `status()`: each read may make a lazy move (recovery, trial wait), in both. */
export class Observe implements Command {
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    const m = world.model;
    const real = world.real;
    expect(real.breaker.state).toBe(m.observe());
    const status = real.breaker.status();
    const state: CircuitState = m.observe();
    expect(status).toMatchObject({
      state,
      ...m.totals,
      halfOpenInFlight: state === 'half_open' ? m.trialsInFlight : 0,
      halfOpenSuccesses: state === 'half_open' ? m.trialSuccesses : 0,
      timeUntilRecoveryMs: state === 'open' ? Math.max(0, m.openUntil - world.time.now) : null,
    });
    // The current backoff step; manual states keep whatever step they came from, which the README leaves open.
    if (state === 'closed' || state === 'open' || state === 'half_open') expect(status.recoveryTimeoutMs).toBe(m.delay(m.attempt));
    const stats = m.detector.stats();
    expect({ failures: status.detector.failures, calls: status.detector.calls }).toEqual({ failures: stats.failures, calls: stats.calls });
    if ('slowCallDuration' in m.detector.config && m.detector.config.slowCallDuration !== undefined) {
      expect(status.detector.slowCalls).toBe(stats.slowCalls);
    }
    expect(real.events.map(({ from, to, reason }) => ({ from, to, reason }))).toEqual(m.transitions);
    // The store hears every transition, in causal order, and the last one it heard is the breaker's state.
    const told = real.told;
    for (let i = 1; i < told.length; i++) expect(told[i]?.from).toBe(told[i - 1]?.to);
    if (told.length > 0) expect(told.at(-1)?.to).toBe(state);
  }
  toString = (): string => 'observe';
}

/** Takes a snapshot (which reads the state first), checks it against the model's, and keeps it as JSON for a later restore. */
export class Snapshot implements Command {
  check = (): boolean => true;
  async run(world: World): Promise<void> {
    const snapshot = world.real.breaker.snapshot();
    const expected = world.model.snapshot();
    const epoch = (reading: number): number => reading + world.epochOffset;
    expect(snapshot).toMatchObject({
      version: 1,
      state: expected.state,
      since: epoch(expected.since),
      ...(expected.state === 'open' ? { until: epoch(expected.openUntil) } : {}),
      ...(expected.state === 'open' || expected.state === 'half_open' ? { attempt: expected.attempt } : {}),
    });
    // The snapshot carries whether the breaker has run async work (README "Call shapes").
    expect(snapshot.async === true).toBe(world.seen.async || world.seen.signal || world.seen.restoredAsync);
    world.saved = { real: JSON.parse(JSON.stringify(snapshot)), model: expected };
    world.counts.snapshots++;
  }
  toString = (): string => 'snapshot';
}

/** Restores the last snapshot into the same breaker, or into a fresh one (by `restore()` or `initialState`) that the history then continues on. */
export class Restore implements Command {
  constructor(readonly target: 'same' | 'fresh' | 'initialState') {}
  check = (world: Readonly<World>): boolean => world.saved !== undefined;
  async run(world: World): Promise<void> {
    const saved = world.saved;
    if (saved === undefined) throw new Error('no snapshot');
    world.counts.restores++;
    if (this.target === 'same') {
      world.real.breaker.restore(saved.real);
      world.model.restore(saved.model);
      if (saved.real.async === true) world.seen.restoredAsync = true;
      return;
    }
    const model = new BreakerModel(world.config, world.time);
    model.restore(saved.model, this.target === 'fresh');
    let real: Real;
    if (this.target === 'fresh') {
      real = makeReal(world);
      real.breaker.restore(saved.real);
    } else real = makeReal(world, saved.real);
    // Calls in flight stay with the old breaker (and its model); the new call sites have not answered yet.
    world.model = model;
    world.real = real;
    world.models.push(model);
    world.seen.async = world.seen.signal = world.seen.syncValue = false;
    world.seen.restoredAsync = saved.real.async === true;
  }
  toString = (): string => `restore(${this.target})`;
}
