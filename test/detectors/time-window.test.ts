import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { TimeWindowDetector } from '../../src/detectors/time-window.js';
import { fakeClock } from '../helpers.js';

describe('TimeWindowDetector', () => {
  it('trips on the Nth failure within the window, not before', () => {
    const clock = fakeClock();
    const d = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1000, clock });
    d.onFailure();
    clock.advance(400);
    d.onFailure();
    expect(d.shouldTrip()).toBe(false);
    clock.advance(599);
    d.onFailure();
    expect(d.shouldTrip()).toBe(true);
  });

  it('forgets a failure exactly timeWindow ms old', () => {
    const clock = fakeClock();
    const d = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1000, clock });
    d.onFailure();
    clock.advance(500);
    d.onFailure();
    clock.advance(500);
    d.onFailure();
    expect(d.shouldTrip()).toBe(false);
    expect(d.stats().failures).toBe(2);
  });

  it('ignores successes between failures', () => {
    const clock = fakeClock();
    const d = new TimeWindowDetector({ failureThreshold: 2, timeWindow: 1000, clock });
    d.onFailure();
    for (let i = 0; i < 50; i++) d.onSuccess();
    d.onFailure();
    expect(d.shouldTrip()).toBe(true);
  });

  it('counts only the failures still in the window in stats', () => {
    const clock = fakeClock();
    const d = new TimeWindowDetector({ failureThreshold: 5, timeWindow: 1000, clock });
    d.onFailure();
    d.onFailure();
    clock.advance(1500);
    d.onFailure();
    expect(d.stats()).toEqual({ failures: 1, successes: 0, calls: 1, failureRate: null });
  });

  it('rejects a non-positive timeWindow', () => {
    expect(() => new TimeWindowDetector({ timeWindow: 0 })).toThrow(RangeError);
    expect(() => new TimeWindowDetector({ failureThreshold: 0 })).toThrow(/failureThreshold/);
  });

  describe('through a breaker', () => {
    it("opens on the failureThreshold-th failure within timeWindow with detector: 'timeWindow'", () => {
      const clock = fakeClock();
      const breaker = new CircuitBreaker('tw', { registry: false, clock, detector: 'timeWindow', failureThreshold: 2, timeWindow: 100 });
      const fail = () => {
        throw new Error('down');
      };
      expect(() => breaker.call(fail)).toThrow('down');
      clock.advance(100);
      expect(() => breaker.call(fail)).toThrow('down');
      expect(breaker.state).toBe('closed');
      clock.advance(99);
      expect(() => breaker.call(fail)).toThrow('down');
      expect(breaker.state).toBe('open');
    });
  });

  describe('snapshot', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('round-trips the failures in the window as epoch ms', () => {
      const clock = fakeClock(50);
      const d = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1000, clock });
      d.onFailure();
      clock.advance(100);
      d.onFailure();
      const snap = d.snapshot();
      expect(snap).toEqual({ type: 'timeWindow', version: 1, data: { failures: [1_700_000_000_000 - 100, 1_700_000_000_000] } });
      const other = new TimeWindowDetector({ failureThreshold: 3, timeWindow: 1000, clock: fakeClock(9_000) });
      other.restore(JSON.parse(JSON.stringify(snap)));
      other.onFailure();
      expect(other.shouldTrip()).toBe(true);
    });

    it('refuses a snapshot of another detector', () => {
      const d = new TimeWindowDetector();
      expect(() => d.restore({ type: 'consecutive', version: 1, data: { failures: 1 } })).toThrow(TypeError);
      expect(() => d.restore({ type: 'timeWindow', version: 1, data: { failures: ['x'] } })).toThrow(TypeError);
    });
  });
});
