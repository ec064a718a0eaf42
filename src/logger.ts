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

/** A duration as a person reads it: `250 ms`, `1.5 s`, `30 s`, `2 min`, `1.5 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${round1(ms / 1000)} s`;
  if (ms < 3_600_000) return `${round1(ms / 60_000)} min`;
  return `${round1(ms / 3_600_000)} h`;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const percent = (rate: number): string => `${Math.round(rate * 100)}%`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why the detector tripped, in words: `after 5/5 failures`, `at 60% failures over 20 calls`. */
function tripFigures(reason: 'failure_threshold' | 'slow_call_rate', stats: DetectorStats | undefined, threshold: number): string {
  if (stats === undefined) return '';
  if (reason === 'slow_call_rate') {
    return stats.slowCallRate == null ? '' : ` at ${percent(stats.slowCallRate)} slow calls over ${plural(stats.calls, 'call')}`;
  }
  if (stats.failureRate !== null) return ` at ${percent(stats.failureRate)} failures over ${plural(stats.calls, 'call')}`;
  return ` after ${stats.failures}/${threshold} failures`;
}

/**
 * The line a transition is logged with, e.g.
 * `circuit "payments" OPEN after 5/5 failures (failure_threshold); retry in 30 s`.
 */
export function describeTransition(event: StateChangeEvent, figures: LogFigures): string {
  const head = `circuit "${event.name}" ${event.to.toUpperCase()}`;
  const retry = figures.retryInMs === null ? '' : `; retry in ${formatDuration(figures.retryInMs)}`;
  switch (event.reason) {
    case 'failure_threshold':
    case 'slow_call_rate':
      return `${head}${tripFigures(event.reason, event.detector, figures.failureThreshold)} (${event.reason})${retry}`;
    case 'trial_failed':
      return `${head} again: the trial call failed (trial_failed)${retry}`;
    case 'trial_timed_out':
      return `${head} again: no trial outcome in time (trial_timed_out)${retry}`;
    case 'recovery_timeout':
      return `${head} (recovery_timeout); letting ${plural(figures.halfOpenMaxCalls, 'trial call')} through`;
    case 'trial_succeeded':
      return `${head} after ${plural(figures.successThreshold, 'successful trial call')} (trial_succeeded)`;
    case 'manual_trip':
      return `${head} (manual_trip); rejecting every call until reset()`;
    case 'manual_disable':
      return `${head} (manual_disable); letting every call through until reset()`;
    default:
      return `${head} (${event.reason}), was ${event.from.toUpperCase()}${retry}`;
  }
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
