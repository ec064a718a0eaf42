import { type CircuitBreaker, isCallTimeoutError, type Registry, type Unsubscribe } from 'tripswitch';

/** How one call through a breaker ended, as metrics count it. */
export type CallOutcome = 'success' | 'failure' | 'timeout' | 'rejected' | 'fallback';

/** What the metrics adapters receive for each breaker event. */
export interface CallObserver {
  /**
   * A call ended. `durationMs` is set for calls that ran (success, failure, timeout) and `undefined`
   * for rejected calls and fallbacks, which did not run the function.
   */
  onCall(breaker: string, outcome: CallOutcome, durationMs: number | undefined): void;
}

/**
 * Feeds `observer` with the calls of every breaker in `registry`, those there now and those added
 * later. Returns a function that stops observing all of them.
 */
export function observeRegistry(registry: Registry, observer: CallObserver): Unsubscribe {
  const offs = new Map<CircuitBreaker, Unsubscribe>();
  const watch = (breaker: CircuitBreaker): void => {
    if (offs.has(breaker)) return;
    // Forget breakers dropped from the registry, so per-key breakers that come and go do not pile up.
    for (const [known, off] of offs) {
      if (registry.find(known.name) !== known) {
        off();
        offs.delete(known);
      }
    }
    const name = breaker.name;
    const subscriptions = [
      breaker.on('success', (e) => observer.onCall(name, 'success', e.durationMs)),
      breaker.on('failure', (e) => observer.onCall(name, isCallTimeoutError(e.error) ? 'timeout' : 'failure', e.durationMs)),
      breaker.on('rejected', () => observer.onCall(name, 'rejected', undefined)),
      breaker.on('fallback', () => observer.onCall(name, 'fallback', undefined)),
    ];
    offs.set(breaker, () => {
      for (const off of subscriptions) off();
    });
  };
  const stopAdding = registry.onAdd(watch);
  for (const breaker of registry) watch(breaker);
  return () => {
    stopAdding();
    for (const off of offs.values()) off();
    offs.clear();
  };
}
