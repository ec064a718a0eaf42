import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, isCircuitOpenError, type StateChangeEvent } from '../../src/index.js';

interface Deferred {
  readonly promise: Promise<string>;
  resolve(value: string): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: (value: string) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A breaker on a manual clock, with its stateChange events and a function whose calls stay pending until settled by hand. */
function harness(options: CircuitBreakerOptions = {}) {
  let now = 0;
  const breaker = new CircuitBreaker('concurrency', { registry: false, clock: { now: () => now }, recoveryTimeout: 1_000, ...options });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => events.push(e));
  const started: Deferred[] = [];
  const call = breaker.wrap(async (): Promise<string> => {
    const d = deferred();
    started.push(d);
    return d.promise;
  });
  return {
    breaker,
    events,
    started,
    call,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Starts `n` calls in the same tick; every caller promise is observed, so nothing is left unhandled. */
function burst(call: () => Promise<string>, n: number) {
  const outcomes: Array<Promise<{ ok: boolean; value: unknown }>> = [];
  for (let i = 0; i < n; i++) {
    outcomes.push(
      call().then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, value: error }),
      ),
    );
  }
  return Promise.all(outcomes);
}

async function openThenHalfOpen(h: ReturnType<typeof harness>, failures: number): Promise<void> {
  const first = burst(h.call, failures);
  for (const d of h.started.splice(0)) d.reject(new Error('down'));
  await first;
  expect(h.breaker.state).toBe('open');
  h.advance(1_000);
}

const shuffle = <T>(items: T[], random: () => number): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
};

describe('CircuitBreaker (concurrency)', () => {
  it.each([1, 3, 10])('admits exactly halfOpenMaxCalls (%i) of 10 000 calls arriving together in half-open', async (max) => {
    const h = harness({ failureThreshold: 1, halfOpenMaxCalls: max, successThreshold: max });
    await openThenHalfOpen(h, 1);
    const results = burst(h.call, 10_000);
    expect(h.started).toHaveLength(max);
    expect(h.breaker.status()).toMatchObject({ state: 'half_open', halfOpenInFlight: max, rejected: 9_999 + 1 - max });
    for (const d of h.started.splice(0)) d.resolve('ok');
    const settled = await results;
    expect(settled.filter((r) => r.ok)).toHaveLength(max);
    const rejected = settled.filter((r) => !r.ok).map((r) => r.value);
    expect(rejected).toHaveLength(10_000 - max);
    expect(rejected.every((e) => isCircuitOpenError(e) && e.state === 'half_open' && e.retryAfterMs === 0)).toBe(true);
    expect(h.breaker.state).toBe('closed');
    expect(h.events.map((e) => e.to)).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens exactly once when a burst of 1 000 in-flight calls fails together', async () => {
    const h = harness({ failureThreshold: 5 });
    const results = burst(h.call, 1_000);
    expect(h.started).toHaveLength(1_000);
    for (const d of shuffle(h.started.splice(0), Math.random)) d.reject(new Error('down'));
    await results;
    expect(h.events.map((e) => `${e.from}->${e.to}:${e.reason}`)).toEqual(['closed->open:failure_threshold']);
    expect(h.breaker.status()).toMatchObject({ state: 'open', failures: 1_000, successes: 0 });
  });

  it('reopens exactly once when every half-open trial fails together', async () => {
    const h = harness({ failureThreshold: 1, halfOpenMaxCalls: 50 });
    await openThenHalfOpen(h, 1);
    const results = burst(h.call, 50);
    for (const d of h.started.splice(0)) d.reject(new Error('still down'));
    await results;
    expect(h.events.map((e) => e.reason)).toEqual(['failure_threshold', 'recovery_timeout', 'trial_failed']);
    expect(h.breaker.status()).toMatchObject({ state: 'open', failures: 51, halfOpenInFlight: 0 });
  });

  it('keeps counts and state consistent whatever order concurrent results settle in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom('success', 'failure', 'ignored'), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        async (s, outcomes, max) => {
          class Ignored extends Error {}
          let now = 0;
          const breaker = new CircuitBreaker('order', {
            registry: false,
            clock: { now: () => now },
            failureThreshold: 3,
            successThreshold: 2,
            halfOpenMaxCalls: max,
            ignoreErrors: [Ignored],
          });
          const events: StateChangeEvent[] = [];
          breaker.on('stateChange', (e) => events.push(e));
          const call = breaker.wrap(async (outcome: string) => {
            const value = await s.schedule(Promise.resolve(outcome), outcome);
            if (value === 'failure') throw new Error('down');
            if (value === 'ignored') throw new Ignored('skip');
            return value;
          });
          // Half the calls start closed, then the clock jumps past any recovery timeout and the rest start.
          const half = Math.ceil(outcomes.length / 2);
          const answers = outcomes.map((o, i) => {
            if (i === half) now += 60_000;
            return call(o).then(
              () => 'success',
              (e: unknown) => (isCircuitOpenError(e) ? 'rejected' : e instanceof Ignored ? 'ignored' : 'failure'),
            );
          });
          await s.waitAll();
          const seen = await Promise.all(answers);
          const status = breaker.status();
          const count = (k: string) => seen.filter((x) => x === k).length;
          expect(status.successes).toBe(count('success'));
          expect(status.failures).toBe(count('failure'));
          expect(status.ignored).toBe(count('ignored'));
          expect(status.rejected).toBe(count('rejected'));
          expect(status.successes + status.failures + status.ignored + status.rejected).toBe(outcomes.length);
          expect(status.halfOpenInFlight).toBe(0);
          // Consecutive transitions chain: each event starts where the previous one ended.
          for (let i = 1; i < events.length; i++) expect(events[i]?.from).toBe(events[i - 1]?.to);
          expect(events.at(-1)?.to ?? 'closed').toBe(status.state);
          // Nothing is in flight, so a half-open breaker must admit a trial now.
          if (status.state === 'half_open') expect(await call('success')).toBe('success');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('CircuitBreaker (re-entrant listeners)', () => {
  type Action = 'none' | 'trip' | 'reset' | 'disable' | 'callOk' | 'callFail';
  const actionArb = fc.constantFrom<Action>('none', 'none', 'trip', 'reset', 'disable', 'callOk', 'callFail');

  it('stays consistent when stateChange, success and failure listeners call back into the breaker', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('ok', 'fail', 'advance'), actionArb, actionArb), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        (steps, max) => {
          let now = 0;
          const breaker = new CircuitBreaker('reentrant', {
            registry: false,
            clock: { now: () => now },
            failureThreshold: 2,
            successThreshold: 2,
            halfOpenMaxCalls: max,
            recoveryTimeout: 10,
          });
          // Registered first, so it sees every transition in the order they happen.
          const events: StateChangeEvent[] = [];
          breaker.on('stateChange', (e) => events.push(e));
          let onTransition: Action = 'none';
          let onOutcome: Action = 'none';
          let depth = 0;
          const act = (action: Action): void => {
            if (depth > 2) return; // listeners may re-enter, but not forever
            depth++;
            try {
              if (action === 'trip' || action === 'reset' || action === 'disable') breaker[action]();
              else if (action === 'callOk') breaker.call(() => 'ok');
              else if (action === 'callFail')
                breaker.call(() => {
                  throw new Error('nested');
                });
            } catch {
              // nested calls may fail or be refused; the outer call's answer is what is checked
            } finally {
              depth--;
            }
          };
          breaker.on('stateChange', () => act(onTransition));
          breaker.on('success', () => act(onOutcome));
          breaker.on('failure', () => act(onOutcome));
          let answered = 0;
          for (const [step, transitionAction, outcomeAction] of steps) {
            onTransition = transitionAction;
            onOutcome = outcomeAction;
            if (step === 'advance') now += 10;
            else {
              answered++;
              try {
                const value = breaker.call(() => {
                  if (step === 'fail') throw new Error('down');
                  return 'ok';
                });
                expect(value).toBe('ok');
              } catch (error) {
                expect(isCircuitOpenError(error) || (error as Error).message === 'down').toBe(true);
              }
            }
          }
          onTransition = 'none';
          onOutcome = 'none';
          const status = breaker.status();
          for (let i = 1; i < events.length; i++) expect(events[i]?.from).toBe(events[i - 1]?.to);
          expect(events.at(-1)?.to ?? 'closed').toBe(status.state);
          expect(status.halfOpenInFlight).toBe(0);
          expect(status.successes + status.failures + status.rejected).toBeGreaterThanOrEqual(answered);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
