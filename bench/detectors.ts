import {
  CombinedDetector,
  ConsecutiveFailuresDetector,
  CountWindowDetector,
  type FailureDetector,
  RateWindowDetector,
  SlowCallDetector,
  TimeWindowDetector,
} from 'tripswitch';

/** A detector measured on the hot path; `consecutive` is the reference the others are held to (≤ 1.5x). */
export interface DetectorCase {
  readonly name: string;
  readonly create: () => FailureDetector;
}

/**
 * Every built-in detector, each configured as a user would (threshold 5, windows of 60 s or 100 calls).
 * Add a row here when a detector lands; the table, the goals and the smoke run pick it up.
 */
export const detectorCases: readonly DetectorCase[] = [
  { name: 'consecutive', create: () => new ConsecutiveFailuresDetector({ failureThreshold: 5 }) },
  { name: 'timeWindow', create: () => new TimeWindowDetector({ failureThreshold: 5, timeWindow: 60_000 }) },
  { name: 'countWindow', create: () => new CountWindowDetector({ windowSize: 100, failureRateThreshold: 0.5, minimumCalls: 10 }) },
  {
    name: 'rateWindow',
    create: () => new RateWindowDetector({ timeWindow: 60_000, buckets: 10, failureRateThreshold: 0.5, minimumCalls: 10 }),
  },
  { name: 'slowCalls', create: () => new SlowCallDetector({ slowCallDuration: 1_000, windowSize: 100 }) },
  {
    name: 'combined (consecutive + countWindow)',
    create: () =>
      new CombinedDetector([
        new ConsecutiveFailuresDetector({ failureThreshold: 5 }),
        new CountWindowDetector({ windowSize: 100, failureRateThreshold: 0.5, minimumCalls: 10 }),
      ]),
  },
];
