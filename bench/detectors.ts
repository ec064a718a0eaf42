import { ConsecutiveFailuresDetector, type FailureDetector } from 'tripswitch';

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
];
