import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker.js';
import { CombinedDetector } from '../../src/detectors/combined.js';
import { ConsecutiveFailuresDetector } from '../../src/detectors/consecutive.js';
import { CountWindowDetector } from '../../src/detectors/count-window.js';
import { SlowCallDetector } from '../../src/detectors/slow-calls.js';

describe('CombinedDetector', () => {
  it('trips when any detector trips by default', () => {
    const d = new CombinedDetector([
      new ConsecutiveFailuresDetector({ failureThreshold: 2 }),
      new CountWindowDetector({ windowSize: 10, minimumCalls: 10 }),
    ]);
    d.onFailure(Number.NaN, new Error());
    expect(d.shouldTrip()).toBe(false);
    d.onFailure(Number.NaN, new Error());
    expect(d.shouldTrip()).toBe(true);
  });

  it('trips only when all detectors trip with requireAll', () => {
    const d = new CombinedDetector(
      [
        new SlowCallDetector({ slowCallDuration: 100, windowSize: 2, minimumCalls: 2 }),
        new ConsecutiveFailuresDetector({ failureThreshold: 2 }),
      ],
      { requireAll: true },
    );
    expect(d.usesDuration).toBe(true);
    d.onFailure(5, new Error()); // fast failures: consecutive says trip, slow calls do not
    d.onFailure(5, new Error());
    expect(d.shouldTrip()).toBe(false);
    d.onFailure(500, new Error());
    d.onFailure(500, new Error());
    expect(d.shouldTrip()).toBe(true);
    d.onSuccess(500);
    expect(d.shouldTrip()).toBe(false); // the success breaks the run of failures
  });

  it('resets, snapshots and restores every detector', () => {
    const make = () =>
      new CombinedDetector([new ConsecutiveFailuresDetector({ failureThreshold: 3 }), new CountWindowDetector({ windowSize: 4 })]);
    const d = make();
    d.onFailure(Number.NaN, 1);
    d.onFailure(Number.NaN, 1);
    const other = make();
    other.restore(JSON.parse(JSON.stringify(d.snapshot())));
    expect(other.stats()).toEqual(d.stats());
    expect(other.stats().parts).toHaveLength(2);
    other.onFailure(Number.NaN, 1);
    expect(other.shouldTrip()).toBe(true);
    other.reset();
    expect(other.stats().failures).toBe(0);
    expect(() => other.restore({ type: 'combined', version: 1, data: [] })).toThrow(TypeError);
  });

  it('restores all parts or none', () => {
    const d = new CombinedDetector([new ConsecutiveFailuresDetector({ failureThreshold: 3 }), new CountWindowDetector({ windowSize: 4 })]);
    d.onFailure(Number.NaN, 1);
    const good = { type: 'consecutive', version: 1, data: { failures: 2 } };
    const bad = { type: 'consecutive', version: 1, data: { failures: 0 } };
    expect(() => d.restore({ type: 'combined', version: 1, data: [good, bad] })).toThrow(TypeError);
    expect(d.stats().parts?.[0]).toMatchObject({ failures: 1 });
  });

  it('reports the figures of the detector closest to tripping', () => {
    const d = new CombinedDetector([new ConsecutiveFailuresDetector({ failureThreshold: 5 }), new CountWindowDetector({ windowSize: 4 })]);
    d.onSuccess(Number.NaN);
    d.onFailure(Number.NaN, 1);
    expect(d.stats()).toMatchObject({ failureRate: 0.5, calls: 2 });
  });

  it('rejects an empty list', () => {
    expect(() => new CombinedDetector([])).toThrow(TypeError);
  });

  it('works as a factory that receives the breaker clock', () => {
    const clocks: unknown[] = [];
    const clock = { now: () => 0 };
    const breaker = new CircuitBreaker('combo', {
      registry: false,
      clock,
      detector: (context) => {
        clocks.push(context.clock);
        return new CombinedDetector([new ConsecutiveFailuresDetector({ failureThreshold: 1 })]);
      },
    });
    expect(clocks).toEqual([clock]);
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(breaker.state).toBe('open');
  });
});
