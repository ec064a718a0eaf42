/**
 * The states a circuit breaker can be in. Values are plain strings, readable in logs and JSON.
 *
 * - `closed`: calls pass and their outcomes are counted.
 * - `open`: calls are rejected at once until the recovery timeout has passed.
 * - `half_open`: a few trial calls test whether the dependency has recovered.
 * - `forced_open`: set by hand with `trip()`; rejects everything until `reset()`.
 * - `disabled`: set by hand with `disable()`; lets everything through and only records.
 *
 * @example
 * if (breaker.state === CircuitState.OPEN) console.warn('payments is failing fast');
 */
export const CircuitState = {
  CLOSED: 'closed',
  OPEN: 'open',
  HALF_OPEN: 'half_open',
  FORCED_OPEN: 'forced_open',
  DISABLED: 'disabled',
} as const;

/** One of the {@link CircuitState} values. */
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** Every state value, for validation and exhaustive tests. */
export const circuitStates: readonly CircuitState[] = Object.freeze(Object.values(CircuitState));
