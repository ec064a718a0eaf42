import { type CircuitBreaker, isCallTimeoutError, type Registry, type Unsubscribe } from 'tripswitch';

/** How one call through a breaker ended, as metrics count it. */
export type CallOutcome = 'success' | 'failure' | 'timeout' | 'rejected' | 'fallback' | 'ignored';

/** Every {@link CallOutcome}, in a stable order. */
export const callOutcomes: readonly CallOutcome[] = Object.freeze(['success', 'failure', 'timeout', 'rejected', 'fallback', 'ignored']);

/** What the metrics adapters receive for each breaker event. */
export interface CallObserver {
  /**
   * A call ended. `durationMs` is set for calls that ran and were counted (success, failure, timeout)
   * and `undefined` for rejected calls, fallbacks and ignored errors.
   */
  onCall(breaker: string, outcome: CallOutcome, durationMs: number | undefined): void;
  /** The breaker named `breaker` left the registry: forget everything kept about it. */
  onRemove?(breaker: string): void;
}

/**
 * Feeds `observer` with the calls of every breaker in `registry`, those there now and those added
 * later, and stops at once for a breaker the registry drops. Each add or removal costs O(1): the
 * registry says what changed, nothing is rescanned. Returns a function that stops observing all of them.
 */
export function observeRegistry(registry: Registry, observer: CallObserver): Unsubscribe {
  const offs = new Map<CircuitBreaker, Unsubscribe>();
  const watch = (breaker: CircuitBreaker): void => {
    if (offs.has(breaker)) return;
    const name = breaker.name;
    const subscriptions = [
      breaker.on('success', (e) => observer.onCall(name, 'success', e.durationMs)),
      breaker.on('failure', (e) => observer.onCall(name, isCallTimeoutError(e.error) ? 'timeout' : 'failure', e.durationMs)),
      breaker.on('rejected', () => observer.onCall(name, 'rejected', undefined)),
      breaker.on('fallback', () => observer.onCall(name, 'fallback', undefined)),
      breaker.on('ignored', () => observer.onCall(name, 'ignored', undefined)),
    ];
    offs.set(breaker, () => {
      for (const off of subscriptions) off();
    });
  };
  const forget = (breaker: CircuitBreaker): void => {
    const off = offs.get(breaker);
    if (off === undefined) return;
    off();
    offs.delete(breaker);
    observer.onRemove?.(breaker.name);
  };
  const stopAdding = registry.onAdd(watch);
  const stopRemoving = registry.onRemove(forget);
  for (const breaker of registry) watch(breaker);
  return () => {
    stopAdding();
    stopRemoving();
    for (const off of offs.values()) off();
    offs.clear();
  };
}
