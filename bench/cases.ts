import { ConsecutiveBreaker, circuitBreaker as cockatielBreaker, handleAll, isBrokenCircuitError } from 'cockatiel';
import { do_not_optimize } from 'mitata';
import Opossum from 'opossum';
import { CircuitBreaker, ConsecutiveFailuresDetector, isCircuitOpenError } from 'tripswitch';
import { detectorCases } from './detectors.js';
import { keyed, keyedNotes } from './keyed-cases.js';
import { MinimalBreaker, MinimalOpenError } from './minimal.js';
import { permitNotes, permits } from './permit-cases.js';
import { sharedCountingCases } from './shared-counting-case.js';
import { fail, isSync, rejects, returns, throwsSync } from './verify.js';

/** Which reference column a row fills: the table gives every row its ratio to each reference of its scenario. */
export type Role = 'bare' | 'minimal' | 'cockatiel' | 'opossum';

/** One measured row: a subject doing one thing, once per `run()` (or `ops` times). */
export interface Case {
  readonly scenario: string;
  readonly subject: string;
  readonly role?: Role;
  /** The measured operation; a returned promise is awaited. */
  readonly run: () => unknown;
  /** Calls per `run()` (for batched cases); ns/op divides by it. @default 1 */
  readonly ops?: number;
  /** Proves, before measuring, that `run` does what the row says (right value, right rejection). */
  readonly verify: () => Promise<void>;
  /** Proves, after measuring, that the subject is still in the state the scenario needs. */
  readonly after?: () => void;
}

/** A note printed under the table for a scenario. */
export const scenarioNotes: Readonly<Record<string, string>> = {
  'sync success, closed': 'cockatiel and opossum force every call into a promise, so they have no sync row; compare their async rows.',
  'async failure recorded, closed':
    'opossum runs with `rollingPercentilesEnabled: false` here: with it on (the default), each failure sorts every latency of the 10 s window, milliseconds per call at benchmark rates.',
  'sync rejection while open, caught': 'bare: `try { throw preallocatedError } catch {}`.',
  'async rejection while open, caught':
    'bare is the floor `Promise.reject(preallocatedError).catch(noop)`; every other row builds a fresh error per rejection.',
  ...permitNotes,
  ...keyedNotes,
};

const RECOVERY_MS = 3_600_000; // longer than any run, and below setTimeout's 2^31 ms limit (opossum arms one)
// Failure rows never trip: a detector instance takes any threshold (the `failureThreshold` option is bounded).
const NEVER = Number.MAX_SAFE_INTEGER;
const IN_FLIGHT = 10_000;

const noop = (): void => {};
const failure = new Error('bench failure');
const isFailure = (error: unknown): boolean => error === failure;
const isOpossumOpen = (error: unknown): boolean => (error as { code?: unknown }).code === 'EOPENBREAKER';

/** Opossum breakers arm timers; they are shut down when the run ends. */
export const opossums: Opossum[] = [];
function opossum<A extends unknown[], R>(action: (...args: A) => Promise<R>, options: Opossum.Options = {}): Opossum<A, R> {
  const breaker = new Opossum(action, { resetTimeout: RECOVERY_MS, ...options });
  opossums.push(breaker as unknown as Opossum);
  return breaker;
}

function cockatiel(threshold: number) {
  return cockatielBreaker(handleAll, { halfOpenAfter: RECOVERY_MS, breaker: new ConsecutiveBreaker(threshold) });
}

/**
 * The default detector with a threshold no run reaches (the option's bound, 100 000, is reached within a
 * benchmark's millions of calls): built directly, the detector is not bound by option validation.
 */
function neverTrips(): ConsecutiveFailuresDetector {
  return new ConsecutiveFailuresDetector({ failureThreshold: NEVER });
}

function tripswitch(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}): CircuitBreaker {
  return new CircuitBreaker('bench', { registry: false, recoveryTimeout: RECOVERY_MS, ...options });
}

function closed(breaker: CircuitBreaker): () => void {
  return () => {
    if (breaker.state !== 'closed') fail(`tripswitch left closed: ${breaker.state}`);
  };
}

function asyncSuccess(): Case[] {
  const scenario = 'async success, closed';
  const bare = async (): Promise<number> => 1;
  const minimal = new MinimalBreaker();
  const ts = tripswitch();
  const wrapped = ts.wrap(bare);
  const policy = cockatiel(5);
  const op = opossum(bare);
  const opFast = opossum(bare, { timeout: false });
  const rows: Omit<Case, 'verify'>[] = [
    { scenario, subject: 'bare `async () => 1`', role: 'bare', run: bare },
    { scenario, subject: 'minimal breaker', role: 'minimal', run: () => minimal.call(bare) },
    { scenario, subject: 'tripswitch `wrap(fn)()`', run: wrapped, after: closed(ts) },
    { scenario, subject: 'tripswitch `call(fn)`', run: () => ts.call(bare) },
    { scenario, subject: 'cockatiel `execute`', role: 'cockatiel', run: () => policy.execute(bare) },
    { scenario, subject: 'opossum `fire` (default)', role: 'opossum', run: () => op.fire() },
    { scenario, subject: 'opossum `fire` (timeout: false)', run: () => opFast.fire() },
  ];
  return rows.map((row) => ({ ...row, verify: () => returns(row.run, 1) }));
}

function syncSuccess(): Case[] {
  const scenario = 'sync success, closed';
  const bare = (): number => 1;
  const minimal = new MinimalBreaker();
  const ts = tripswitch();
  const wrapped = ts.wrap(bare);
  const rows: Omit<Case, 'verify'>[] = [
    { scenario, subject: 'bare `() => 1`', role: 'bare', run: bare },
    { scenario, subject: 'minimal sync breaker', role: 'minimal', run: () => minimal.callSync(bare) },
    { scenario, subject: 'tripswitch `wrap(fn)()`', run: wrapped, after: closed(ts) },
  ];
  // The result goes to a sink, or the JIT drops the whole call from the loop.
  return rows.map((row) => ({ ...row, run: () => do_not_optimize(row.run()), verify: () => isSync(row.run, 1) }));
}

function asyncFailure(): Case[] {
  const scenario = 'async failure recorded, closed';
  const bare = async (): Promise<never> => {
    throw failure;
  };
  const minimal = new MinimalBreaker(NEVER);
  const ts = tripswitch({ detector: neverTrips() });
  const wrapped = ts.wrap(bare);
  const policy = cockatiel(NEVER);
  // With rolling percentiles on (the default), every opossum failure sorts every latency of its 10 s window,
  // so its cost grows with the call rate (milliseconds per call at benchmark rates): switched off here.
  const op = opossum(bare, { volumeThreshold: NEVER, rollingPercentilesEnabled: false });
  const opFast = opossum(bare, { volumeThreshold: NEVER, rollingPercentilesEnabled: false, timeout: false });
  const rows: Omit<Case, 'verify'>[] = [
    { scenario, subject: 'bare, caught', role: 'bare', run: () => bare().catch(noop) },
    { scenario, subject: 'minimal breaker', role: 'minimal', run: () => minimal.call(bare).catch(noop) },
    { scenario, subject: 'tripswitch', run: () => wrapped().catch(noop), after: closed(ts) },
    { scenario, subject: 'cockatiel', role: 'cockatiel', run: () => policy.execute(bare).catch(noop) },
    { scenario, subject: 'opossum (default)', role: 'opossum', run: () => op.fire().catch(noop) },
    { scenario, subject: 'opossum (timeout: false)', run: () => opFast.fire().catch(noop) },
  ];
  const uncaught: Record<string, () => unknown> = {
    'bare, caught': bare,
    'minimal breaker': () => minimal.call(bare),
    tripswitch: wrapped,
    cockatiel: () => policy.execute(bare),
    'opossum (default)': () => op.fire(),
    'opossum (timeout: false)': () => opFast.fire(),
  };
  return rows.map((row) => ({ ...row, verify: () => rejects(uncaught[row.subject] ?? fail('no check'), isFailure) }));
}

function syncFailure(): Case[] {
  const scenario = 'sync failure recorded, closed';
  const bare = (): never => {
    throw failure;
  };
  const minimal = new MinimalBreaker(NEVER);
  const ts = tripswitch({ detector: neverTrips() });
  const wrapped = ts.wrap(bare);
  const caught = (run: () => unknown) => () => {
    try {
      run();
    } catch {}
  };
  const rows: [string, Role | undefined, () => unknown][] = [
    ['bare, caught', 'bare', bare],
    ['minimal sync breaker', 'minimal', () => minimal.callSync(bare)],
    ['tripswitch', undefined, wrapped],
  ];
  return rows.map(([subject, role, run]) => ({
    scenario,
    subject,
    ...(role === undefined ? {} : { role }),
    run: caught(run),
    verify: () => throwsSync(run, isFailure),
    ...(run === wrapped ? { after: closed(ts) } : {}),
  }));
}

/** Opens each subject with real failures (not a manual trip), so the rejection is the ordinary OPEN one. */
async function asyncOpen(): Promise<Case[]> {
  const scenario = 'async rejection while open, caught';
  const failing = async (): Promise<never> => {
    throw failure;
  };
  const minimal = new MinimalBreaker(1, RECOVERY_MS);
  await minimal.call(failing).catch(noop);
  const ts = tripswitch({ failureThreshold: 1 });
  const wrapped = ts.wrap(failing);
  await wrapped().catch(noop);
  const policy = cockatiel(1);
  await policy.execute(failing).catch(noop);
  const op = opossum(failing);
  op.open();
  const withoutStack = (): Error => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const error = new Error('open');
    Error.stackTraceLimit = limit;
    return error;
  };
  const rows: [string, Role | undefined, () => Promise<unknown>, (e: unknown) => boolean][] = [
    ['floor `Promise.reject(preallocated)`', 'bare', () => Promise.reject(failure), isFailure],
    ['`Promise.reject(new stackless Error)`', undefined, () => Promise.reject(withoutStack()), (e) => e instanceof Error],
    ['minimal breaker', 'minimal', () => minimal.call(failing), (e) => e instanceof MinimalOpenError],
    ['tripswitch', undefined, wrapped, isCircuitOpenError],
    ['cockatiel', 'cockatiel', () => policy.execute(failing), isBrokenCircuitError],
    ['opossum', 'opossum', () => op.fire(), isOpossumOpen],
  ];
  return rows.map(([subject, role, run, isExpected]) => ({
    scenario,
    subject,
    ...(role === undefined ? {} : { role }),
    run: () => run().catch(noop),
    verify: () => rejects(run, isExpected),
  }));
}

async function syncOpen(): Promise<Case[]> {
  const scenario = 'sync rejection while open, caught';
  const failing = (): never => {
    throw failure;
  };
  const minimal = new MinimalBreaker(1, RECOVERY_MS);
  try {
    minimal.callSync(failing);
  } catch {}
  const ts = tripswitch({ failureThreshold: 1 });
  const wrapped = ts.wrap(failing);
  try {
    wrapped();
  } catch {}
  const rows: [string, Role | undefined, () => unknown, (e: unknown) => boolean][] = [
    ['bare `throw preallocated`', 'bare', failing, isFailure],
    ['minimal sync breaker', 'minimal', () => minimal.callSync(failing), (e) => e instanceof MinimalOpenError],
    ['tripswitch', undefined, wrapped, isCircuitOpenError],
  ];
  return rows.map(([subject, role, run, isExpected]) => ({
    scenario,
    subject,
    ...(role === undefined ? {} : { role }),
    run: () => {
      try {
        run();
      } catch {}
    },
    verify: () => throwsSync(run, isExpected),
  }));
}

function detectors(): Case[] {
  const cases: Case[] = [];
  const syncFn = (): number => 1;
  const asyncFn = async (): Promise<number> => 1;
  for (const { name, create } of detectorCases) {
    const sync = tripswitch({ detector: create() }).wrap(syncFn);
    const async = tripswitch({ detector: create() }).wrap(asyncFn);
    cases.push(
      {
        scenario: 'detectors, sync success',
        subject: `tripswitch + ${name}`,
        run: () => do_not_optimize(sync()),
        verify: () => isSync(sync, 1),
      },
      { scenario: 'detectors, async success', subject: `tripswitch + ${name}`, run: async, verify: () => returns(async, 1) },
    );
  }
  return cases;
}

/** 10 000 calls started before any settles, then all awaited: ns/op is per call. */
function inFlight(): Case[] {
  const scenario = `${IN_FLIGHT.toLocaleString('en')} concurrent in-flight calls (per call)`;
  let release: (value: number) => void = noop;
  let gate = Promise.resolve(1);
  const pending = async (): Promise<number> => {
    await gate;
    return 1;
  };
  const minimal = new MinimalBreaker();
  const wrapped = tripswitch().wrap(pending);
  const policy = cockatiel(5);
  const op = opossum(pending);
  const opFast = opossum(pending, { timeout: false });
  const calls: unknown[] = new Array(IN_FLIGHT);
  const batch = (call: () => unknown) => async (): Promise<number> => {
    gate = new Promise((resolve) => {
      release = resolve;
    });
    for (let i = 0; i < IN_FLIGHT; i++) calls[i] = call();
    release(1);
    const values = (await Promise.all(calls)) as number[];
    return values.length === IN_FLIGHT && values[IN_FLIGHT - 1] === 1 ? 1 : 0;
  };
  const rows: [string, Role | undefined, () => unknown][] = [
    ['bare', 'bare', pending],
    ['minimal breaker', 'minimal', () => minimal.call(pending)],
    ['tripswitch', undefined, wrapped],
    ['cockatiel', 'cockatiel', () => policy.execute(pending)],
    ['opossum (default)', 'opossum', () => op.fire()],
    ['opossum (timeout: false)', undefined, () => opFast.fire()],
  ];
  return rows.map(([subject, role, call]) => {
    const run = batch(call);
    return { scenario, subject, ...(role === undefined ? {} : { role }), run, ops: IN_FLIGHT, verify: () => returns(run, 1) };
  });
}

/**
 * Every scenario, in table order. Each builds its subjects when called, right before it is measured, so
 * no subject waits (or ages past a deadline) while the others run.
 */
export const scenarios: readonly (() => Case[] | Promise<Case[]>)[] = [
  asyncSuccess,
  syncSuccess,
  asyncFailure,
  syncFailure,
  asyncOpen,
  syncOpen,
  permits,
  detectors,
  inFlight,
  keyed,
  sharedCountingCases,
];
