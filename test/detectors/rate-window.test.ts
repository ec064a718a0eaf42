import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { RateWindowDetector } from '../../src/detectors/rate-window.js';
import { fakeClock } from '../helpers.js';

describe('RateWindowDetector', () => {
  it('trips when the rate over the window reaches the threshold, after minimumCalls', () => {
    const clock = fakeClock();
    const d = new RateWindowDetector({ clock, timeWindow: 1000, buckets: 10, failureRateThreshold: 0.5, minimumCalls: 4 });
    d.onFailure(Number.NaN);
    d.onFailure(Number.NaN);
    d.onSuccess(Number.NaN);
    expect(d.shouldTrip()).toBe(false); // 3 calls < minimumCalls
    d.onSuccess(Number.NaN);
    expect(d.shouldTrip()).toBe(true); // 2 of 4 = 0.5
  });

  it('drops buckets as they leave the window', () => {
    const clock = fakeClock();
    const d = new RateWindowDetector({ clock, timeWindow: 1000, buckets: 10, minimumCalls: 1 });
    d.onFailure(Number.NaN); // bucket [0, 100)
    clock.advance(500);
    d.onSuccess(Number.NaN);
    expect(d.stats()).toMatchObject({ calls: 2, failures: 1 });
    clock.set(999);
    expect(d.stats()).toMatchObject({ calls: 2, failures: 1 });
    clock.set(1000); // bucket 0 has left the window
    expect(d.stats()).toMatchObject({ calls: 1, failures: 0, failureRate: 0 });
    expect(d.shouldTrip()).toBe(false);
  });

  it('counts nothing stale after an idle period longer than the window', () => {
    const clock = fakeClock();
    const d = new RateWindowDetector({ clock, timeWindow: 1000, buckets: 4, minimumCalls: 3 });
    d.onFailure(Number.NaN);
    d.onFailure(Number.NaN);
    d.onFailure(Number.NaN);
    expect(d.shouldTrip()).toBe(true);
    clock.advance(3_600_000); // an hour of silence
    d.onFailure(Number.NaN);
    expect(d.stats()).toMatchObject({ calls: 1, failures: 1 });
    expect(d.shouldTrip()).toBe(false);
    // An idle period that lands on the same slot index modulo the bucket count is also recognised.
    clock.advance(4 * 250 * 7);
    expect(d.stats()).toMatchObject({ calls: 0, failureRate: null });
  });

  it('rates slow calls in the same window when slowCallDuration is set', () => {
    const clock = fakeClock();
    const d = new RateWindowDetector({
      clock,
      timeWindow: 1000,
      minimumCalls: 2,
      failureRateThreshold: 1,
      slowCallDuration: 50,
      slowCallRateThreshold: 1,
    });
    d.onSuccess(60);
    d.onSuccess(10);
    expect(d.shouldTrip()).toBe(false);
    expect(d.stats()).toMatchObject({ slowCalls: 1, slowCallRate: 0.5 });
    clock.advance(1000);
    d.onSuccess(60);
    d.onFailure(70);
    expect(d.shouldTrip()).toBe(true);
  });

  describe('snapshot', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('restores the buckets relative to their time, dropping those that aged out meanwhile', () => {
      vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
      const clock = fakeClock(0);
      const d = new RateWindowDetector({ clock, timeWindow: 1000, buckets: 10, minimumCalls: 1 });
      d.onFailure(Number.NaN);
      clock.advance(500);
      d.onSuccess(Number.NaN);
      d.onSuccess(Number.NaN);
      const snap = JSON.parse(JSON.stringify(d.snapshot()));
      expect(snap.data.buckets).toEqual([
        [2, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [1, 1, 0],
      ]);

      const later = fakeClock(20_000);
      const restored = new RateWindowDetector({ clock: later, timeWindow: 1000, buckets: 10, minimumCalls: 1 });
      restored.restore(snap);
      expect(restored.stats()).toMatchObject({ calls: 3, failures: 1 });
      later.advance(600); // 600 ms after the snapshot the failure's bucket has left the window
      expect(restored.stats()).toMatchObject({ calls: 2, failures: 0 });

      vi.setSystemTime(1_700_000_000_000 + 600); // restored 600 ms after it was taken, in another process
      const afterRestart = new RateWindowDetector({ clock: fakeClock(7), timeWindow: 1000, buckets: 10, minimumCalls: 1 });
      afterRestart.restore(snap);
      expect(afterRestart.stats()).toMatchObject({ calls: 2, failures: 0 });
    });

    it('refuses malformed buckets', () => {
      const d = new RateWindowDetector();
      expect(() => d.restore({ type: 'rateWindow', version: 1, data: { newestBucketAt: 0, buckets: [[1, 2, 0]] } })).toThrow(TypeError);
    });
  });

  it("opens a breaker with detector: 'rateWindow' and the breaker's clock", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('rw', {
      registry: false,
      clock,
      detector: 'rateWindow',
      timeWindow: 10_000,
      windowBuckets: 5,
      minimumCalls: 2,
    });
    const fail = () => {
      throw new Error('x');
    };
    breaker.call(() => 1);
    clock.advance(60_000);
    expect(() => breaker.call(fail)).toThrow('x');
    expect(breaker.state).toBe('closed'); // the old success has expired: 1 call < minimumCalls
    expect(() => breaker.call(fail)).toThrow('x');
    expect(breaker.state).toBe('open');
    expect(breaker.status().detector).toMatchObject({ calls: 2, failures: 2 }); // kept while open, reset on closing
  });
});
