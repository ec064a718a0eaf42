import type { BreakerEvents, Listener, StateChangeEvent, Unsubscribe } from './events.js';
import { invalid } from './validate.js';

/**
 * Where a breaker writes its state transitions: `console`, pino, winston and most loggers fit.
 * `warn` receives transitions into `open` and `forced_open`; `info` every other transition.
 */
export interface BreakerLogger {
  info(message: string, context: StateChangeEvent): void;
  warn(message: string, context: StateChangeEvent): void;
}

/** Checks the `logger` option: an object with `info` and `warn` methods. */
export function checkLogger(value: unknown): BreakerLogger {
  const l = value as Partial<Record<string, unknown>> | null;
  if (typeof l !== 'object' || l === null || typeof l.info !== 'function' || typeof l.warn !== 'function') {
    throw invalid('logger', 'an object with info() and warn() methods (console fits)', value);
  }
  return value as BreakerLogger;
}

/** The line a transition is logged with: `circuit "db" closed -> open (failure_threshold)`. */
export function describeTransition(event: StateChangeEvent): string {
  return `tripswitch: circuit "${event.name}" ${event.from} -> ${event.to} (${event.reason})`;
}

/**
 * Logs every state transition of `breaker` as a `stateChange` listener, so a throwing logger is
 * reported like any listener and never changes a call's outcome.
 */
export function installLogger(
  breaker: { on(event: 'stateChange', listener: Listener<'stateChange'>): Unsubscribe },
  logger: BreakerLogger,
): Unsubscribe {
  const listener = (event: BreakerEvents['stateChange']): void => {
    const message = describeTransition(event);
    if (event.to === 'open' || event.to === 'forced_open') logger.warn(message, event);
    else logger.info(message, event);
  };
  return breaker.on('stateChange', listener);
}
