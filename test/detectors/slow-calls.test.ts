import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { SlowCallDetector } from '../../src/detectors/slow-calls.js';
import { fakeClock } from '../helpers.js';

describe('SlowCallDetector', () => {
  it('trips on the slow-call rate with fast successes mixed in, over a count window', () => {
    const d = new SlowCallDetector({ slowCallDuration: 100, slowCallRateThreshold: 0.5, windowSize: 4, minimumCalls: 4 });
    d.onSuccess(5);
    d.onSuccess(500);
    d.onSuccess(5);
    expect(d.shouldTrip()).toBe(false);
    d.onSuccess(5);
    expect(d.stats()).toEqual({ failures: 0, successes: 4, calls: 4, failureRate: null, slowCalls: 1, slowCallRate: 0.25 });
    d.onFailure(300);
    expect(d.shouldTrip()).toBe(true); // 2 slow out of the last 4
  });

  it('never trips on fast failures alone', () => {
    const d = new SlowCallDetector({ slowCallDuration: 100, windowSize: 4, minimumCalls: 2 });
    for (let i = 0; i < 10; i++) d.onFailure(1);
    expect(d.shouldTrip()).toBe(false);
  });

  it('uses a time window when timeWindow is given', () => {
    const clock = fakeClock();
    const d = new SlowCallDetector({ slowCallDuration: 100, timeWindow: 1000, minimumCalls: 2, clock });
    d.onSuccess(200);
    clock.advance(1000);
    d.onSuccess(200);
    expect(d.shouldTrip()).toBe(false); // the first slow call has expired
    d.onSuccess(10);
    expect(d.shouldTrip()).toBe(true); // 1 of 2
    expect(() => new SlowCallDetector({ slowCallDuration: 1, timeWindow: 10, windowSize: 5 })).toThrow(TypeError);
  });

  it('round-trips through snapshot and restore', () => {
    const d = new SlowCallDetector({ slowCallDuration: 100, windowSize: 4, minimumCalls: 4 });
    d.onSuccess(500);
    d.onSuccess(1);
    d.onSuccess(1);
    const other = new SlowCallDetector({ slowCallDuration: 100, windowSize: 4, minimumCalls: 4 });
    other.restore(JSON.parse(JSON.stringify(d.snapshot())));
    other.onSuccess(800);
    expect(other.shouldTrip()).toBe(true);
  });

  it("opens a breaker whose calls are slow with detector: 'slowCalls', measuring durations on its clock", async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('slow', {
      registry: false,
      clock,
      detector: 'slowCalls',
      slowCallDuration: 1000,
      windowSize: 2,
      minimumCalls: 2,
      slowCallRateThreshold: 1,
    });
    const slow = () => {
      clock.advance(1500);
      return 'late';
    };
    expect(breaker.call(slow)).toBe('late');
    expect(breaker.state).toBe('closed');
    expect(breaker.call(slow)).toBe('late');
    expect(breaker.state).toBe('open');
  });

  it("requires slowCallDuration with detector: 'slowCalls'", () => {
    expect(() => new CircuitBreaker('s', { registry: false, detector: 'slowCalls' })).toThrow(/slowCallDuration/);
  });
});
