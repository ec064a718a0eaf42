import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { CountWindowDetector } from '../../src/detectors/count-window.js';
import { fakeClock } from '../helpers.js';

function feed(d: CountWindowDetector, pattern: string, duration = Number.NaN): void {
  for (const c of pattern) {
    if (c === 'F') d.onFailure(duration);
    else d.onSuccess(duration);
  }
}

describe('CountWindowDetector', () => {
  it('trips when the failure rate reaches the threshold exactly (>=)', () => {
    const d = new CountWindowDetector({ windowSize: 10, failureRateThreshold: 0.3, minimumCalls: 10 });
    feed(d, 'SSSSSSSFF');
    expect(d.shouldTrip()).toBe(false);
    feed(d, 'S');
    expect(d.stats().failureRate).toBe(0.2);
    expect(d.shouldTrip()).toBe(false);
    feed(d, 'F');
    // window now: SSSSSSFFSF -> 3 of 10
    expect(d.stats()).toEqual({ failures: 3, successes: 7, calls: 10, failureRate: 0.3 });
    expect(d.shouldTrip()).toBe(true);
  });

  it('does not trip before minimumCalls calls, however many fail', () => {
    const d = new CountWindowDetector({ windowSize: 10, failureRateThreshold: 0.5, minimumCalls: 4 });
    feed(d, 'FFF');
    expect(d.shouldTrip()).toBe(false);
    feed(d, 'S');
    expect(d.shouldTrip()).toBe(true);
  });

  it('forgets the oldest call once the window is full', () => {
    const d = new CountWindowDetector({ windowSize: 4, failureRateThreshold: 0.5, minimumCalls: 4 });
    feed(d, 'FFSS');
    expect(d.shouldTrip()).toBe(true);
    feed(d, 'S');
    expect(d.stats()).toMatchObject({ failures: 1, calls: 4 });
    expect(d.shouldTrip()).toBe(false);
  });

  it('defaults minimumCalls to at most windowSize and rejects a larger one', () => {
    const d = new CountWindowDetector({ windowSize: 3 });
    feed(d, 'FSF');
    expect(d.shouldTrip()).toBe(true);
    expect(() => new CountWindowDetector({ windowSize: 3, minimumCalls: 4 })).toThrow(RangeError);
    expect(() => new CountWindowDetector({ failureRateThreshold: 0 })).toThrow(/failureRateThreshold/);
    expect(() => new CountWindowDetector({ failureRateThreshold: 1.5 })).toThrow(RangeError);
  });

  it('counts slow calls, fast and failing alike, when slowCallDuration is set', () => {
    const d = new CountWindowDetector({
      windowSize: 4,
      minimumCalls: 4,
      failureRateThreshold: 1,
      slowCallDuration: 100,
      slowCallRateThreshold: 0.5,
    });
    expect(d.usesDuration).toBe(true);
    d.onSuccess(10);
    d.onSuccess(100); // not slower than 100
    d.onFailure(150);
    d.onSuccess(20);
    expect(d.stats()).toMatchObject({ slowCalls: 1, slowCallRate: 0.25 });
    expect(d.shouldTrip()).toBe(false);
    d.onSuccess(101);
    expect(d.stats()).toMatchObject({ slowCalls: 2, slowCallRate: 0.5 });
    expect(d.shouldTrip()).toBe(true);
  });

  it('round-trips through snapshot and restore', () => {
    const d = new CountWindowDetector({ windowSize: 4, minimumCalls: 4 });
    feed(d, 'SFSSFS');
    const snap = JSON.parse(JSON.stringify(d.snapshot()));
    expect(snap).toEqual({ type: 'countWindow', version: 1, data: { calls: [0, 0, 1, 0] } });
    const other = new CountWindowDetector({ windowSize: 4, minimumCalls: 4 });
    other.restore(snap);
    expect(other.stats()).toEqual(d.stats());
    feed(other, 'F');
    expect(other.shouldTrip()).toBe(true);
  });

  it("opens a breaker at the boundary rate with detector: 'countWindow'", () => {
    const breaker = new CircuitBreaker('cw', {
      registry: false,
      clock: fakeClock(),
      detector: 'countWindow',
      windowSize: 4,
      minimumCalls: 4,
      failureRateThreshold: 0.5,
    });
    const ok = () => 'ok';
    const fail = () => {
      throw new Error('x');
    };
    breaker.call(ok);
    breaker.call(ok);
    expect(() => breaker.call(fail)).toThrow('x');
    expect(breaker.state).toBe('closed');
    expect(() => breaker.call(fail)).toThrow('x');
    expect(breaker.state).toBe('open');
  });
});
