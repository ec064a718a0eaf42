import type { Clock } from './clock.js';
import type { DetectorSnapshot } from './detectors/detector.js';
import { type CircuitState, circuitStates } from './state.js';
import { describeValue } from './validate.js';

/**
 * A breaker's state as small, versioned JSON, from `breaker.snapshot()`; `breaker.restore()` or the
 * `initialState` option resume it, also in another process or after a restart. Times are epoch
 * milliseconds (converted from the breaker's monotonic clock when the snapshot is taken, and back when
 * restored), so they keep their meaning across restarts; a wall-clock jump between the two shifts them alike.
 *
 * @example
 * const saved = JSON.stringify(breaker.snapshot());
 * // { "version": 1, "state": "open", "since": 1764086400000, "until": 1764086460000, "attempt": 1, "detector": { ... } }
 * const again = new CircuitBreaker('payments', { initialState: JSON.parse(saved) });
 */
export interface BreakerSnapshot {
  /** Format version; restore refuses versions it does not know. */
  readonly version: 1;
  readonly state: CircuitState;
  /** When the breaker entered `state` (epoch ms). */
  readonly since: number;
  /** When an `open` breaker lets a trial call through (epoch ms); `open` only. */
  readonly until?: number;
  /** Openings in a row, which picks the backoff step; `open` and `half_open` only. */
  readonly attempt?: number;
  /** The detector's own snapshot (see {@link FailureDetector.snapshot}). */
  readonly detector: DetectorSnapshot;
  /**
   * Present (`true`) once the breaker has run async work: a breaker restored from it answers rejected calls of
   * functions it has not seen yet with a rejected promise (README, "Call shapes"), also in a new process.
   */
  readonly async?: true;
}

/**
 * Checks the shape of a snapshot (not its detector part, which the detector checks on restore).
 * @throws {TypeError} naming what is wrong.
 */
export function checkSnapshot(value: unknown, option = 'snapshot'): BreakerSnapshot {
  const s = value as Partial<Record<keyof BreakerSnapshot, unknown>> | null;
  const fail = (what: string): never => {
    throw new TypeError(`Expected \`${option}\` to be a tripswitch snapshot (version 1) ${what}, got ${describeValue(value)}`);
  };
  if (typeof s !== 'object' || s === null) return fail('object');
  if (s.version !== 1) fail('with `version: 1`');
  if (!circuitStates.includes(s.state as CircuitState)) fail(`with \`state\` one of ${circuitStates.join(', ')}`);
  if (!isEpoch(s.since)) fail('with `since` in epoch ms');
  if (s.state === 'open' && !isEpoch(s.until)) fail('with `until` in epoch ms for an open state');
  if ((s.state === 'open' || s.state === 'half_open') && !(Number.isInteger(s.attempt) && (s.attempt as number) >= 1)) {
    fail('with a positive integer `attempt` for an open or half-open state');
  }
  if (s.async !== undefined && s.async !== true) fail('with `async` true or absent');
  const d = s.detector as Partial<DetectorSnapshot> | null;
  if (typeof d !== 'object' || d === null || typeof d.type !== 'string' || typeof d.version !== 'number') {
    fail('with a `detector` snapshot ({ type, version, data })');
  }
  return value as BreakerSnapshot;
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The parts of a breaker's state that a snapshot carries, as readings of the breaker's clock. */
export type SnapshotState =
  | { readonly state: 'open'; readonly since: number; readonly until: number; readonly attempt: number }
  | { readonly state: 'half_open'; readonly since: number; readonly attempt: number }
  | { readonly state: 'closed' | 'forced_open' | 'disabled'; readonly since: number };

/** Writes `inner` (clock readings) as a snapshot (epoch ms). */
export function encodeSnapshot(inner: SnapshotState, clock: Clock, detector: DetectorSnapshot): BreakerSnapshot {
  // One offset for every time of the snapshot, so a wall-clock tick between reads cannot stretch `until - since`.
  const offset = epochOffset(clock);
  const since = Math.round(inner.since + offset);
  if (inner.state === 'open') {
    return {
      version: 1,
      state: inner.state,
      since,
      until: since + Math.round(inner.until - inner.since),
      attempt: inner.attempt,
      detector,
    };
  }
  if (inner.state === 'half_open') return { version: 1, state: inner.state, since, attempt: inner.attempt, detector };
  return { version: 1, state: inner.state, since, detector };
}

/** A breaker state from a checked snapshot, in readings of `clock`; a half-open one starts with no trial in flight. */
export function decodeSnapshot(
  snapshot: BreakerSnapshot,
  clock: Clock,
):
  | { state: 'open'; since: number; until: number; attempt: number }
  | { state: 'half_open'; since: number; attempt: number; inFlight: number; successes: number; waitingSince: number }
  | { state: 'closed' | 'forced_open' | 'disabled'; since: number } {
  const now = clock.now();
  const offset = Date.now() - now;
  const since = snapshot.since - offset;
  const attempt = snapshot.attempt ?? 1;
  switch (snapshot.state) {
    case 'open':
      return { state: 'open', since, until: since + ((snapshot.until as number) - snapshot.since), attempt };
    case 'half_open':
      return { state: 'half_open', since, attempt, inFlight: 0, successes: 0, waitingSince: now };
    default:
      return { state: snapshot.state, since };
  }
}

/** Epoch ms minus the clock's reading, taken once per conversion. */
function epochOffset(clock: Clock): number {
  return Date.now() - clock.now();
}
