import type { Clock } from '../clock.js';
import { checkInteger, checkOneOf, checkTimeWindow, invalid, MAX_BUCKETS } from '../validate.js';
import { ConsecutiveFailuresDetector } from './consecutive.js';
import { CountWindowDetector } from './count-window.js';
import type { FailureDetector } from './detector.js';
import { RateWindowDetector } from './rate-window.js';
import { SlowCallDetector } from './slow-calls.js';
import { TimeWindowDetector } from './time-window.js';

/**
 * A built-in detector by name, configured by the breaker's own options:
 * - `'consecutive'`: `failureThreshold` failures in a row (the default);
 * - `'timeWindow'`: `failureThreshold` failures within the last `timeWindow` ms;
 * - `'countWindow'`: failure rate over the last `windowSize` calls;
 * - `'rateWindow'`: failure rate over the last `timeWindow` ms, in `windowBuckets` buckets;
 * - `'slowCalls'`: share of calls slower than `slowCallDuration`, over `windowSize` calls or `timeWindow` ms.
 */
export type DetectorName = 'consecutive' | 'timeWindow' | 'countWindow' | 'rateWindow' | 'slowCalls';

/** What a detector factory receives: the breaker's clock, for time-based detectors. Frozen. */
export interface DetectorContext {
  readonly clock: Clock;
}

/** Builds a detector for one breaker; lets decorators with `perInstance: true` give each breaker its own. */
export type DetectorFactory = (context: DetectorContext) => FailureDetector;

/** The breaker options that configure a named detector. */
export interface DetectorSettings {
  readonly failureThreshold?: number;
  readonly timeWindow?: number;
  readonly windowSize?: number;
  readonly windowBuckets?: number;
  readonly failureRateThreshold?: number;
  readonly minimumCalls?: number;
  readonly slowCallDuration?: number;
  readonly slowCallRateThreshold?: number;
}

const detectorNames: readonly DetectorName[] = ['consecutive', 'timeWindow', 'countWindow', 'rateWindow', 'slowCalls'];
const rateSettings = ['failureRateThreshold', 'minimumCalls', 'slowCallDuration', 'slowCallRateThreshold'] as const;
const settingsOf: Record<DetectorName, readonly (keyof DetectorSettings)[]> = {
  consecutive: ['failureThreshold'],
  timeWindow: ['failureThreshold', 'timeWindow'],
  countWindow: ['windowSize', ...rateSettings],
  rateWindow: ['timeWindow', 'windowBuckets', ...rateSettings],
  slowCalls: ['windowSize', 'timeWindow', 'windowBuckets', 'minimumCalls', 'slowCallDuration', 'slowCallRateThreshold'],
};

/** Every breaker option that only configures a named detector. */
export const detectorOptionNames: readonly (keyof DetectorSettings)[] = [
  'timeWindow',
  'windowSize',
  'windowBuckets',
  'failureRateThreshold',
  'minimumCalls',
  'slowCallDuration',
  'slowCallRateThreshold',
];

/**
 * The detector a breaker's `detector` option asks for: a name (configured by `settings`), a factory
 * (called with the breaker's clock) or an instance. Rejects settings the chosen detector would ignore.
 */
export function createDetector(detector: unknown, settings: DetectorSettings, clock: Clock): FailureDetector {
  const name: DetectorName | undefined =
    detector === undefined ? 'consecutive' : typeof detector === 'string' ? checkOneOf('detector', detector, detectorNames) : undefined;
  const used: readonly string[] = name === undefined ? ['failureThreshold'] : settingsOf[name];
  for (const key of detectorOptionNames) {
    if (settings[key] !== undefined && !used.includes(key)) {
      const users = detectorNames.filter((n) => settingsOf[n].includes(key));
      const chosen = name === undefined ? 'a detector instance or factory' : `detector '${name}'`;
      throw new TypeError(`Option \`${key}\` does not apply to ${chosen}; it configures ${users.map((n) => `'${n}'`).join(', ')}`);
    }
  }
  const s = settings;
  // Checked here so the error names the breaker option (`windowBuckets`), not the detector's (`buckets`).
  const buckets = s.windowBuckets === undefined ? 10 : checkInteger('windowBuckets', s.windowBuckets, 1, MAX_BUCKETS);
  if (s.timeWindow !== undefined && name !== 'timeWindow') checkTimeWindow('timeWindow', s.timeWindow, buckets);
  // Every detector reads only its own options and takes `undefined` for "default"; the options it does not
  // use were refused above, so the breaker's settings pass whole (with the clock and `buckets` added).
  const options = { ...s, buckets: s.windowBuckets, clock } as DetectorSettings & {
    buckets: number;
    clock: Clock;
    slowCallDuration: number;
  };
  switch (name) {
    case 'consecutive':
      return new ConsecutiveFailuresDetector({ failureThreshold: s.failureThreshold ?? 5 });
    case 'timeWindow':
      return new TimeWindowDetector(options);
    case 'countWindow':
      return new CountWindowDetector(options);
    case 'rateWindow':
      return new RateWindowDetector(options);
    case 'slowCalls':
      if (s.slowCallDuration === undefined) throw invalid('slowCallDuration', "set with detector 'slowCalls'", undefined);
      return new SlowCallDetector(options);
    case undefined:
      break;
    default:
      return name satisfies never;
  }
  if (typeof detector === 'function') {
    const made = (detector as DetectorFactory)(Object.freeze({ clock }));
    if (!isDetector(made))
      throw invalid('the value returned by the `detector` factory', `a FailureDetector (an object with ${methods.join(', ')})`, made);
    return made;
  }
  if (!isDetector(detector)) {
    const names = detectorNames.map((n) => `'${n}'`).join(', ');
    throw invalid(
      'detector',
      `a FailureDetector (an object with ${methods.join(', ')}), a factory returning one, or one of ${names}`,
      detector,
    );
  }
  return detector;
}

const methods = ['onSuccess', 'onFailure', 'shouldTrip', 'reset', 'snapshot', 'restore', 'stats'];

function isDetector(value: unknown): value is FailureDetector {
  const d = value as Partial<Record<string, unknown>> | null;
  return typeof d === 'object' && d !== null && methods.every((m) => typeof d[m] === 'function');
}
