import type { DetectorStats } from './detectors/detector.js';
import type { BreakerEvents, Listener, StateChangeEvent, Unsubscribe } from './events.js';
import { invalid } from './validate.js';

/**
 * The structured fields logged beside each line: the `stateChange` event, plus `circuit` (the breaker's
 * name, a label log pipelines can index) and `retryInMs` (milliseconds until a trial call, for `open`).
 */
export interface TransitionLogFields extends StateChangeEvent {
  readonly circuit: string;
  /** Milliseconds until a trial call is let through, when the breaker opened; `null` otherwise. */
  readonly retryInMs: number | null;
}

/**
 * Where a breaker writes its state transitions: `console` and winston fit as they are; for pino, whose
 * methods take the fields first, pass `{ info: (m, f) => log.info(f, m), warn: (m, f) => log.warn(f, m) }`.
 * `warn` receives transitions into `open` and `forced_open`; `info` every other transition.
 */
export interface BreakerLogger {
  info(message: string, fields: TransitionLogFields): void;
  warn(message: string, fields: TransitionLogFields): void;
}

/** @internal What a log line needs from its breaker beside the event, read without moving its state. */
export interface LogFigures {
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly halfOpenMaxCalls: number;
  /** Milliseconds until a trial call while open, else `null`. */
  readonly retryInMs: number | null;
}

/** Checks the `logger` option: an object with `info` and `warn` methods. */
export function checkLogger(value: unknown): BreakerLogger {
  const l = value as Partial<Record<string, unknown>> | null;
  if (typeof l !== 'object' || l === null || typeof l.info !== 'function' || typeof l.warn !== 'function') {
    throw invalid('logger', 'an object with info() and warn() methods (console fits)', value);
  }
  return value as BreakerLogger;
}

/** A duration as a person reads it: `250 ms`, `1.5 s`, `30 s`, `2 min`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${round1(ms / 1000)} s` : `${round1(ms / 60_000)} min`;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why the detector tripped, in words: ` after 5/5 failures`, ` at 60% failures over 20 calls`. */
function tripFigures(slow: boolean, stats: DetectorStats | undefined, threshold: number): string {
  const rate = slow ? stats?.slowCallRate : stats?.failureRate;
  if (stats === undefined || (slow && rate == null)) return '';
  if (rate == null) return ` after ${stats.failures}/${threshold} failures`;
  return ` at ${Math.round(rate * 100)}% ${slow ? 'slow calls' : 'failures'} over ${plural(stats.calls, 'call')}`;
}

/**
 * The line a transition is logged with, e.g.
 * `circuit "payments" OPEN after 5/5 failures (failure_threshold); retry in 30 s`.
 */
export function describeTransition(event: StateChangeEvent, figures: LogFigures): string {
  const { reason } = event;
  const retry = figures.retryInMs === null ? '' : `; retry in ${formatDuration(figures.retryInMs)}`;
  const before =
    reason === 'failure_threshold' || reason === 'slow_call_rate'
      ? tripFigures(reason === 'slow_call_rate', event.detector, figures.failureThreshold)
      : reason === 'trial_failed'
        ? ' again: the trial call failed'
        : reason === 'trial_timed_out'
          ? ' again: no trial outcome in time'
          : reason === 'trial_succeeded'
            ? ` after ${plural(figures.successThreshold, 'successful trial call')}`
            : '';
  const after =
    reason === 'recovery_timeout'
      ? `; letting ${plural(figures.halfOpenMaxCalls, 'trial call')} through`
      : reason === 'manual_trip'
        ? '; rejecting every call until reset()'
        : reason === 'manual_disable'
          ? '; letting every call through until reset()'
          : before === ''
            ? `, was ${event.from.toUpperCase()}${retry}`
            : retry;
  return `circuit "${event.name}" ${event.to.toUpperCase()}${before} (${reason})${after}`;
}

/**
 * Logs every state transition of `breaker` as a `stateChange` listener, so a throwing logger is
 * reported like any listener and never changes a call's outcome.
 */
export function installLogger(
  breaker: { on(event: 'stateChange', listener: Listener<'stateChange'>): Unsubscribe },
  logger: BreakerLogger,
  figuresOf: () => LogFigures,
): Unsubscribe {
  const listener = (event: BreakerEvents['stateChange']): void => {
    const figures = figuresOf();
    const retryInMs = event.to === 'open' ? figures.retryInMs : null;
    const message = describeTransition(event, { ...figures, retryInMs });
    const fields: TransitionLogFields = { ...event, circuit: event.name, retryInMs };
    if (event.to === 'open' || event.to === 'forced_open') logger.warn(message, fields);
    else logger.info(message, fields);
  };
  return breaker.on('stateChange', listener);
}
