import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DetectorConfig, ModelConfig, RecoveryConfig } from './model.js';
import { Advance, type Command, Manual, Observe, Restore, Settle, Snapshot, StartAsync, SyncCall } from './model-commands.js';
import { type CallerConfig, type Outcome, setup, type World } from './model-harness.js';

/*
 * Configuration families of the model-based test and the runner each test file calls. Every history
 * gets its own configuration from its family's arbitrary; the commands are the same for all families.
 *
 * Replay a failure with what it prints: FC_SEED=123 FC_PATH='4:1:0' FC_REPLAY='BqB:F' npx vitest run test/reliability/model-detectors.test.ts
 * FC_RUNS sets the number of histories of each file (defaults below add up to 13 000 a run).
 */

// Successes weigh more, so that half-open trials often succeed (several in a row close the breaker).
const outcomeArb = fc.constantFrom<Outcome>('success', 'success', 'success', 'failure', 'failure', 'ignored', 'badResult');
const syncCall = outcomeArb.map((o) => new SyncCall(o));
const startAsync = fc.constantFrom('async' as const, 'async' as const, 'signal' as const).map((site) => new StartAsync(site));
const settleCall = fc.tuple(fc.nat(20), outcomeArb).map(([i, o]) => new Settle(i, o));
const advance = fc.oneof(fc.constantFrom(0, 1, 10, 100), fc.integer({ min: 0, max: 150 })).map((ms) => new Advance(ms));
const manual = fc.constantFrom('trip' as const, 'reset' as const, 'disable' as const).map((a) => new Manual(a));
const observe = fc.constant(new Observe());
const snapshot = fc.constant(new Snapshot());
const restore = fc.constantFrom('same' as const, 'fresh' as const, 'initialState' as const).map((t) => new Restore(t));
// fc.commands picks among these uniformly: repeats weight calls and settlements over manual actions and restores.
export const commands: fc.Arbitrary<Command>[] = [
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
  fc.oneof(
    { arbitrary: manual, weight: 2 },
    { arbitrary: observe, weight: 3 },
    { arbitrary: snapshot, weight: 2 },
    { arbitrary: restore, weight: 2 },
  ),
];

export const callerArb: fc.Arbitrary<CallerConfig> = fc.record({
  clock: fc.constantFrom('injected' as const, 'default' as const),
  fallback: fc.constantFrom('none' as const, 'none' as const, 'rejected' as const, 'any' as const),
  kind: fc.constantFrom('auto' as const, 'auto' as const, 'sync' as const, 'async' as const),
});

/** Runs one history against a fresh world; returns the world for the figures. */
export async function runHistory(config: ModelConfig, caller: CallerConfig, cmds: Iterable<Command>): Promise<World> {
  let world: World | undefined;
  await fc.asyncModelRun(() => {
    world = setup(config, caller);
    return { model: world, real: world };
  }, cmds);
  return world as World;
}

const consecutive: fc.Arbitrary<DetectorConfig> = fc.record({
  type: fc.constant('consecutive' as const),
  failureThreshold: fc.integer({ min: 1, max: 4 }),
});

const timeWindow: fc.Arbitrary<DetectorConfig> = fc.record({
  type: fc.constant('timeWindow' as const),
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  timeWindow: fc.constantFrom(1, 10, 50, 200),
});

/** Window sizes and thresholds small enough for 60-step histories to trip them, on both sides of each boundary. */
const windowed: fc.Arbitrary<DetectorConfig> = fc
  .record({
    windowSize: fc.integer({ min: 1, max: 6 }),
    minimumFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    failureRateThreshold: fc.constantFrom(0.25, 0.5, 0.6, 1),
    slowCallDuration: fc.option(fc.constantFrom(0, 5, 20, 50), { nil: undefined }),
    slowCallRateThreshold: fc.constantFrom(0.25, 0.5, 1),
    slowOnly: fc.boolean(),
  })
  .map(({ windowSize, minimumFraction, slowOnly, slowCallDuration, ...rates }): DetectorConfig => {
    const minimumCalls = Math.max(1, Math.ceil(minimumFraction * windowSize));
    if (slowOnly)
      return {
        type: 'slowCalls',
        windowSize,
        minimumCalls,
        slowCallDuration: slowCallDuration ?? 10,
        slowCallRateThreshold: rates.slowCallRateThreshold,
      };
    return { type: 'countWindow', windowSize, minimumCalls, ...rates, ...(slowCallDuration === undefined ? {} : { slowCallDuration }) };
  });

const constantRecovery: fc.Arbitrary<RecoveryConfig> = fc.constantFrom(0, 1, 10, 50, 100);
const exponentialRecovery: fc.Arbitrary<RecoveryConfig> = fc
  .record({
    initialDelay: fc.constantFrom(0, 1, 5, 10, 30),
    multiplier: fc.constantFrom(1, 2, 3), // whole ms: snapshots round times to the ms
    maxFactor: fc.option(fc.constantFrom(1, 2, 4), { nil: undefined }),
  })
  .map(({ initialDelay, multiplier, maxFactor }) => ({
    initialDelay,
    multiplier,
    ...(maxFactor === undefined ? {} : { maxDelay: initialDelay * maxFactor }),
  }));

const optional = (values: number[]): fc.Arbitrary<number | undefined> => fc.option(fc.constantFrom(...values), { nil: undefined });

function family(
  detector: fc.Arbitrary<DetectorConfig>,
  recovery: fc.Arbitrary<RecoveryConfig>,
  halfOpenMaxWait: fc.Arbitrary<number | undefined>,
  timeout: fc.Arbitrary<number | undefined>,
): fc.Arbitrary<ModelConfig> {
  return fc
    .record({
      detector,
      successThreshold: fc.integer({ min: 1, max: 3 }),
      halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
      recovery,
      halfOpenMaxWait,
      timeout,
    })
    .map(({ halfOpenMaxWait, timeout, ...rest }) => ({
      ...rest,
      ...(halfOpenMaxWait === undefined ? {} : { halfOpenMaxWait }),
      ...(timeout === undefined ? {} : { timeout }),
    }));
}

const reactionArb = fc.constantFrom<NonNullable<ModelConfig['reaction']>>(
  { on: 'open', action: 'reset' },
  { on: 'open', action: 'trip' },
  { on: 'half_open', action: 'trip' },
  { on: 'half_open', action: 'reset' },
  { on: 'closed', action: 'trip' },
  { on: 'forced_open', action: 'disable' },
  { on: 'disabled', action: 'reset' },
);

/** Any family's configuration plus re-entrant listeners, a recording store and throwing hooks. */
function withHooks(config: fc.Arbitrary<ModelConfig>): fc.Arbitrary<ModelConfig> {
  return fc
    .record({ config, reaction: fc.option(reactionArb, { nil: undefined }), store: fc.boolean(), throwingHooks: fc.boolean() })
    .map(({ config, reaction, store, throwingHooks }) => ({
      ...config,
      ...(reaction === undefined ? {} : { reaction }),
      store,
      throwingHooks,
    }));
}

/** The configuration families: one test file each. */
export const families = {
  /** The core state machine: consecutive failures, constant recovery, no timers. */
  core: { runs: 4_000, config: family(consecutive, constantRecovery, fc.constant(undefined), fc.constant(undefined)) },
  /** Rate, slow-call and time-window detectors; slow calls come from async calls held across clock advances, or timed out. */
  detectors: {
    runs: 3_000,
    config: family(
      fc.oneof(windowed, windowed, timeWindow),
      fc.oneof(constantRecovery, exponentialRecovery),
      optional([5, 30]),
      optional([10, 30, 100]),
    ),
  },
  /**
   * Hooks: listeners that call reset()/trip()/disable() from inside stateChange, a store that records what it
   * is told (and grants probes), hooks that throw on every use; any detector, recovery and timers.
   */
  hooks: {
    runs: 3_000,
    config: withHooks(
      family(
        fc.oneof(consecutive, windowed, timeWindow),
        fc.oneof(constantRecovery, exponentialRecovery),
        optional([5, 30]),
        optional([10, 30, 100]),
      ),
    ),
  },
  /** Recovery: exponential backoff, halfOpenMaxWait and per-call timeouts, with any detector. */
  recovery: {
    runs: 3_000,
    config: family(
      fc.oneof(consecutive, windowed, timeWindow),
      exponentialRecovery,
      fc.constantFrom(5, 10, 20, 50),
      optional([5, 10, 30, 100]),
    ),
  },
};

/** Real time for the figures: taken before the fake timers replace `performance`. */
const realNow = performance.now.bind(performance);

/** Declares the model-based test of one family: seeded, replayable, figures printed. */
export function describeModel(name: keyof typeof families): void {
  const { runs: defaultRuns, config } = families[name];
  const runs = Number(process.env.FC_RUNS ?? defaultRuns);
  const seed = process.env.FC_SEED === undefined ? (Date.now() ^ (Math.random() * 0x100000000)) | 0 : Number(process.env.FC_SEED);
  const path = process.env.FC_PATH;
  // fc.commands needs its own replay hint (the `replayPath` printed with the counterexample) besides seed and path.
  const replayPath = process.env.FC_REPLAY;

  describe(`CircuitBreaker (model-based, ${name})`, () => {
    // Timeouts run on fake timers; `Date` and `performance.now()` move with them (and with the shared time), so
    // the default clock reads the shared time too and snapshots convert to epoch ms and back exactly.
    beforeAll(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] }));
    afterAll(() => vi.useRealTimers());

    it(`agrees with the reference model over ${runs} random histories`, async () => {
      const figures = {
        histories: 0,
        commands: 0,
        stale: 0,
        freshBreakers: 0,
        timed: 0,
        timeouts: 0,
        lateAfterTimeout: 0,
        snapshots: 0,
        restores: 0,
        hookErrors: 0,
        storeTold: 0,
      };
      /** failure_threshold openings by detector type. */
      const trips: Record<string, number> = {};
      const reasons: Record<string, number> = {};
      const property = fc.asyncProperty(
        config,
        callerArb,
        fc.commands(commands, { maxCommands: 60, size: 'large', ...(replayPath === undefined ? {} : { replayPath }) }),
        async (cfg, caller, cmds) => {
          figures.histories++;
          const world = await runHistory(cfg, caller, cmds);
          figures.commands += [...cmds].length;
          figures.freshBreakers += world.models.length - 1;
          figures.hookErrors += world.real.hookErrors.count;
          figures.storeTold += world.real.told.length;
          for (const [key, value] of Object.entries(world.counts)) figures[key as keyof typeof world.counts] += value;
          for (const model of world.models) {
            figures.stale += model.staleOutcomes;
            for (const t of model.transitions) {
              reasons[t.reason] = (reasons[t.reason] ?? 0) + 1;
              if (t.reason === 'failure_threshold' || t.reason === 'slow_call_rate')
                trips[cfg.detector.type] = (trips[cfg.detector.type] ?? 0) + 1;
            }
          }
        },
      );
      const started = realNow();
      const details = await fc.check(property, { numRuns: runs, seed, ...(path === undefined ? {} : { path }), endOnFailure: false });
      if (details.failed) {
        const replay = /replayPath="([^"]*)"/.exec(String(details.counterexample?.[2]))?.[1];
        throw new Error(
          `Model divergence (replay: FC_SEED=${details.seed} FC_PATH='${details.counterexamplePath}' FC_REPLAY='${replay}')\n${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`,
        );
      }
      console.log(
        `model ${name}: ${JSON.stringify(figures)}, transitions ${JSON.stringify(reasons)}, failure_threshold by detector ${JSON.stringify(trips)}, ` +
          `${Math.round(realNow() - started)} ms (replay with FC_SEED=${seed})`,
      );
      expect(figures.histories).toBeGreaterThanOrEqual(runs);
    }, 180_000);
  });
}
