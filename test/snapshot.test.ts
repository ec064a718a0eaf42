import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exponentialBackoff } from '../src/backoff.js';
import { CircuitBreaker } from '../src/breaker.js';
import type { DetectorSnapshot, DetectorStats, FailureDetector } from '../src/detectors/detector.js';
import { assertSnapshot } from '../src/detectors/detector.js';
import { CircuitOpenError } from '../src/errors.js';
import type { StateChangeEvent } from '../src/events.js';
import type { BreakerSnapshot } from '../src/snapshot.js';
import { fakeClock } from './helpers.js';

const EPOCH = 1_764_000_000_000;
const fail = () => {
  throw new Error('down');
};

/** A user-written detector: trips when the failures' error codes sum to 10 or more. */
class ErrorBudgetDetector implements FailureDetector {
  readonly usesDuration = false;
  #spent = 0;
  onSuccess(): void {}
  onFailure(_duration: number, error: unknown): void {
    this.#spent += (error as { cost?: number }).cost ?? 1;
  }
  shouldTrip(): boolean {
    return this.#spent >= 10;
  }
  reset(): void {
    this.#spent = 0;
  }
  snapshot(): DetectorSnapshot {
    return { type: 'error-budget', version: 1, data: { spent: this.#spent } };
  }
  restore(snapshot: DetectorSnapshot): void {
    assertSnapshot(snapshot, 'error-budget', 1);
    this.#spent = (snapshot.data as { spent: number }).spent;
  }
  stats(): DetectorStats {
    return { failures: this.#spent, successes: 0, calls: this.#spent, failureRate: null };
  }
}

describe('CircuitBreaker snapshot', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: EPOCH, toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes an open state as versioned JSON with epoch-ms times', () => {
    const clock = fakeClock(5_000);
    const breaker = new CircuitBreaker('s', { registry: false, clock, failureThreshold: 1, recoveryTimeout: 30_000 });
    expect(() => breaker.call(fail)).toThrow();
    clock.advance(1000);
    vi.setSystemTime(EPOCH + 1000);
    expect(breaker.snapshot()).toEqual({
      version: 1,
      state: 'open',
      since: EPOCH,
      until: EPOCH + 30_000,
      attempt: 1,
      detector: { type: 'consecutive', version: 1, data: { failures: 1 } }, // the failures that tripped it
    });
  });

  it('resumes an open breaker after a restart, with the remaining time and the backoff step', () => {
    const clock = fakeClock(5_000);
    const backoff = exponentialBackoff({ initialDelay: 10_000, maxDelay: 100_000 });
    const first = new CircuitBreaker('s', { registry: false, clock, failureThreshold: 1, successThreshold: 1, recoveryTimeout: backoff });
    expect(() => first.call(fail)).toThrow();
    clock.advance(10_000);
    vi.setSystemTime(EPOCH + 10_000); // both clocks move together in the first process
    expect(() => first.call(fail)).toThrow(); // failed trial: attempt 2, 20 s, until EPOCH + 30 s
    const saved = JSON.stringify(first.snapshot());

    vi.setSystemTime(EPOCH + 15_000); // the new process starts 5 s later, with a fresh monotonic clock
    const restartClock = fakeClock(0);
    const events: StateChangeEvent[] = [];
    const second = new CircuitBreaker('s', {
      registry: false,
      clock: restartClock,
      failureThreshold: 1,
      recoveryTimeout: backoff,
      onStateChange: (e) => events.push(e),
      initialState: JSON.parse(saved) as BreakerSnapshot,
    });
    expect(events).toMatchObject([{ from: 'closed', to: 'open', reason: 'restored' }]);
    expect(second.status()).toMatchObject({ state: 'open', timeUntilRecoveryMs: 15_000, recoveryTimeoutMs: 20_000 });
    restartClock.advance(15_000);
    expect(second.state).toBe('half_open');
    expect(() => second.call(fail)).toThrow();
    expect(second.status().recoveryTimeoutMs).toBe(40_000); // attempt 3
  });

  it('round-trips a custom detector through snapshot and restore', () => {
    const clock = fakeClock();
    const a = new CircuitBreaker('a', { registry: false, clock, detector: () => new ErrorBudgetDetector() });
    expect(() =>
      a.call(() => {
        throw Object.assign(new Error('big'), { cost: 7 });
      }),
    ).toThrow('big');
    const b = new CircuitBreaker('b', { registry: false, clock, detector: () => new ErrorBudgetDetector() });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.status().detector.failures).toBe(7);
    expect(() =>
      b.call(() => {
        throw Object.assign(new Error('small'), { cost: 3 });
      }),
    ).toThrow('small');
    expect(b.state).toBe('open');
  });

  it('refuses a snapshot of another detector type and changes nothing', () => {
    const a = new CircuitBreaker('a', { registry: false, detector: () => new ErrorBudgetDetector(), failureThreshold: 1 });
    const b = new CircuitBreaker('b', { registry: false, failureThreshold: 1 });
    expect(() => b.call(fail)).toThrow();
    expect(() => b.restore(a.snapshot())).toThrow(/"consecutive" detector snapshot/);
    expect(b.state).toBe('open');
  });

  it('refuses malformed snapshots with a TypeError naming the problem', () => {
    const b = new CircuitBreaker('b', { registry: false });
    const detector = { type: 'consecutive', version: 1, data: { failures: 0 } };
    expect(() => b.restore({ version: 2, state: 'closed', since: 0, detector } as unknown as BreakerSnapshot)).toThrow(/version: 1/);
    expect(() => b.restore({ version: 1, state: 'open', since: 0, attempt: 1, detector })).toThrow(/until/);
    expect(() => b.restore({ version: 1, state: 'ajar', since: 0, detector } as unknown as BreakerSnapshot)).toThrow(/state/);
    expect(() => new CircuitBreaker('c', { registry: false, initialState: {} as BreakerSnapshot })).toThrow(/initialState/);
  });

  it('restores manual states and a half-open with no trial in flight', () => {
    const clock = fakeClock();
    const src = new CircuitBreaker('src', { registry: false, clock });
    const dst = new CircuitBreaker('dst', { registry: false, clock });
    src.disable();
    dst.restore(src.snapshot());
    expect(dst.state).toBe('disabled');
    src.trip();
    dst.restore(src.snapshot());
    expect(dst.state).toBe('forced_open');
    src.reset();
    dst.restore(src.snapshot());
    expect(dst.state).toBe('closed');

    const half = new CircuitBreaker('half', { registry: false, clock, failureThreshold: 1, recoveryTimeout: 10 });
    expect(() => half.call(fail)).toThrow();
    clock.advance(10);
    half.call(() => new Promise(() => {})); // a trial in flight
    const snap = half.snapshot();
    expect(snap).toMatchObject({ state: 'half_open', attempt: 1 });
    dst.restore(snap);
    expect(dst.status()).toMatchObject({ state: 'half_open', halfOpenInFlight: 0 });
    expect(dst.call(() => 'trial')).toBe('trial');
  });

  it('does not emit stateChange when the restored state is the current one', () => {
    const b = new CircuitBreaker('b', { registry: false });
    const events: unknown[] = [];
    b.on('stateChange', (e) => events.push(e));
    b.restore(b.snapshot());
    expect(events).toEqual([]);
  });

  it('keeps the restored detector window of a closed breaker', () => {
    const a = new CircuitBreaker('a', { registry: false, failureThreshold: 3 });
    expect(() => a.call(fail)).toThrow();
    expect(() => a.call(fail)).toThrow();
    const b = new CircuitBreaker('b', { registry: false, failureThreshold: 3, initialState: a.snapshot() });
    expect(() => b.call(fail)).toThrow();
    expect(b.state).toBe('open');
  });
});

describe('CircuitBreaker snapshot and the call shape', () => {
  it('carries that the breaker has run async work, so a new breaker refuses unseen functions with a promise', async () => {
    const first = new CircuitBreaker('shape', { registry: false, failureThreshold: 1 });
    expect(first.snapshot()).not.toHaveProperty('async');
    await expect(first.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    expect(saved.async).toBe(true);
    const again = new CircuitBreaker('shape', { registry: false, initialState: saved });
    const answer = again.call(() => Promise.resolve(1));
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toThrow(CircuitOpenError);
    expect(() => again.restore({ ...saved, async: 'yes' })).toThrow(TypeError);
  });
});
