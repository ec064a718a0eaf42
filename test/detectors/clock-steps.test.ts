import { describe, expect, it } from 'vitest';
import { CountWindowDetector } from '../../src/detectors/count-window.js';
import { RateWindowDetector } from '../../src/detectors/rate-window.js';
import { SlowCallDetector } from '../../src/detectors/slow-calls.js';
import { TimeWindowDetector } from '../../src/detectors/time-window.js';
import { CircuitBreaker } from '../../src/index.js';
import { fakeClock } from '../helpers.js';

/*
 * The time-based detectors read time through one primitive (detectors/window.ts): a clock that steps
 * backwards (a wall clock corrected by NTP, a VM restored from a snapshot) counts as no time passing
 * up to the first reading that sees the step, so what was counted before it ages normally from there
 * on, leaving the window at most `timeWindow` later; it never counts forever.
 */

const day = 86_400_000;

describe('a clock that steps backwards', () => {
  it('TimeWindowDetector: failures from before the step still leave the window after timeWindow', () => {
    const clock = fakeClock(day);
    const d = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1_000, clock });
    d.onFailure();
    d.onFailure();
    clock.set(0); // one day back
    expect(d.stats().failures).toBe(2); // reads the clock: sees the step
    clock.advance(1_000);
    d.onFailure();
    expect(d.stats().failures).toBe(1);
    expect(d.shouldTrip()).toBe(false);
  });

  it('TimeWindowDetector: the step itself forgets nothing', () => {
    const clock = fakeClock(day);
    const d = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1_000, clock });
    d.onFailure();
    clock.advance(600);
    d.onFailure();
    clock.set(0);
    clock.advance(399);
    d.onFailure();
    expect(d.shouldTrip()).toBe(true); // 999 ms of elapsed time between the first and the third
  });

  it('RateWindowDetector: buckets from before the step age out after timeWindow', () => {
    const clock = fakeClock(day);
    const d = new RateWindowDetector({ timeWindow: 1_000, buckets: 10, minimumCalls: 5, clock });
    for (let i = 0; i < 4; i++) d.onFailure(Number.NaN);
    clock.set(0);
    expect(d.stats()).toMatchObject({ calls: 4, failures: 4 });
    clock.advance(1_000);
    d.onSuccess(Number.NaN);
    expect(d.stats()).toMatchObject({ calls: 1, failures: 0 });
    expect(d.shouldTrip()).toBe(false);
  });

  it('SlowCallDetector over a time window: slow calls from before the step age out', () => {
    const clock = fakeClock(day);
    const d = new SlowCallDetector({ slowCallDuration: 10, timeWindow: 1_000, minimumCalls: 2, clock });
    d.onSuccess(50);
    clock.set(5);
    expect(d.stats()).toMatchObject({ calls: 1, slowCalls: 1 });
    clock.advance(1_000);
    d.onSuccess(1);
    d.onSuccess(1);
    expect(d.stats()).toMatchObject({ calls: 2, slowCalls: 0 });
  });

  it('CountWindowDetector does not read the clock at all', () => {
    const d = new CountWindowDetector({ windowSize: 3, minimumCalls: 3 });
    for (const f of [true, true, false]) f ? d.onFailure(Number.NaN) : d.onSuccess(Number.NaN);
    expect(d.shouldTrip()).toBe(true);
  });

  it('a breaker on a stepping clock opens on new failures only', () => {
    const clock = fakeClock(day);
    const breaker = new CircuitBreaker('steps', {
      registry: false,
      clock,
      detector: 'timeWindow',
      failureThreshold: 2,
      timeWindow: 1_000,
    });
    const fail = (): never => {
      throw new Error('down');
    };
    expect(() => breaker.call(fail)).toThrow('down');
    clock.set(0);
    expect(breaker.status().detector.failures).toBe(1); // reads the clock: sees the step
    clock.advance(5_000);
    expect(() => breaker.call(fail)).toThrow('down');
    expect(breaker.state).toBe('closed');
  });
});
