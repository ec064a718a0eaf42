import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountWindowDetector } from '../../src/detectors/count-window.js';
import { RateWindowDetector } from '../../src/detectors/rate-window.js';
import { TimeWindowDetector } from '../../src/detectors/time-window.js';
import { fakeClock } from '../helpers.js';

// Each step: wait `gap` ms, then record a call that failed or not, lasting `duration` ms.
const steps = fc.array(
  fc.record({
    gap: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 5000 })),
    failed: fc.boolean(),
    duration: fc.integer({ min: 0, max: 200 }),
  }),
  { maxLength: 200 },
);

describe('detectors against a naive model', () => {
  it('CountWindowDetector counts exactly the last windowSize calls', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 12 }), (calls, size) => {
        const d = new CountWindowDetector({ windowSize: size, minimumCalls: 1, slowCallDuration: 100 });
        calls.forEach((c, i) => {
          if (c.failed) d.onFailure(c.duration);
          else d.onSuccess(c.duration);
          const window = calls.slice(Math.max(0, i + 1 - size), i + 1);
          const failures = window.filter((w) => w.failed).length;
          const slow = window.filter((w) => w.duration > 100).length;
          expect(d.stats()).toEqual({
            failures,
            successes: window.length - failures,
            calls: window.length,
            failureRate: failures / window.length,
            slowCalls: slow,
            slowCallRate: slow / window.length,
          });
          expect(d.shouldTrip()).toBe(failures / window.length >= 0.5 || slow / window.length >= 0.5);
        });
      }),
    );
  });

  it('RateWindowDetector counts exactly the calls of the buckets still in the window', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 8 }), (calls, buckets) => {
        const clock = fakeClock(0);
        const bucketMs = 1000 / buckets;
        const d = new RateWindowDetector({ clock, timeWindow: 1000, buckets, minimumCalls: 1 });
        const seen: { bucket: number; failed: boolean }[] = [];
        for (const c of calls) {
          clock.advance(c.gap);
          const bucket = Math.floor(clock.now() / bucketMs);
          if (c.failed) d.onFailure(Number.NaN);
          else d.onSuccess(Number.NaN);
          seen.push({ bucket, failed: c.failed });
          const live = seen.filter((s) => s.bucket > bucket - buckets);
          const failures = live.filter((s) => s.failed).length;
          expect(d.stats()).toMatchObject({ calls: live.length, failures });
          expect(d.shouldTrip()).toBe(failures / live.length >= 0.5);
        }
      }),
    );
  });

  it('TimeWindowDetector trips exactly when failureThreshold failures are younger than timeWindow', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 6 }), (calls, threshold) => {
        const clock = fakeClock(0);
        const d = new TimeWindowDetector({ clock, failureThreshold: threshold, timeWindow: 1000 });
        const failures: number[] = [];
        for (const c of calls) {
          clock.advance(c.gap);
          if (c.failed) {
            d.onFailure();
            failures.push(clock.now());
          } else d.onSuccess();
          const recent = failures.filter((t) => clock.now() - t < 1000).length;
          expect(d.shouldTrip()).toBe(recent >= threshold);
        }
      }),
    );
  });
});
