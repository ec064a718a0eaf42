import type { Registry } from './registry.js';
import { type CircuitState, circuitStates } from './state.js';
import type { BreakerStatus } from './status.js';
import { describeValue } from './validate.js';

/** Overall health: `'degraded'` as soon as one breaker is in an unhealthy state. */
export type HealthStatus = 'healthy' | 'degraded';

/** What `registry.health()` answers; JSON-ready, for a `/health/circuits` endpoint. */
export interface HealthReport {
  /** `'healthy'` when no breaker is in an unhealthy state, `'degraded'` otherwise. */
  readonly status: HealthStatus;
  /** Every breaker's `status()`, by name. */
  readonly circuits: Record<string, BreakerStatus>;
  /** Names of the breakers in an unhealthy state, in registration order. */
  readonly unhealthy: string[];
}

/** Options of `registry.health()`. */
export interface HealthOptions {
  /**
   * States that make a breaker unhealthy. `half_open` counts because the dependency has not yet proved
   * it recovered; `disabled` does not, because calls pass and an operator chose it.
   * @default ['open', 'half_open', 'forced_open']
   */
  readonly unhealthyStates?: readonly CircuitState[];
}

/** The states that make a breaker unhealthy unless `unhealthyStates` says otherwise. */
export const defaultUnhealthyStates: readonly CircuitState[] = Object.freeze(['open', 'half_open', 'forced_open'] as const);

/** Builds the health report of `registry`; `Registry#health()` and `CircuitBreaker.health()` call it. */
export function healthOf(registry: Registry, options: HealthOptions = {}): HealthReport {
  const unhealthyStates = options.unhealthyStates ?? defaultUnhealthyStates;
  if (!Array.isArray(unhealthyStates) || unhealthyStates.some((s) => !circuitStates.includes(s))) {
    throw new TypeError(
      `Expected \`unhealthyStates\` to be an array of ${circuitStates.map((s) => `'${s}'`).join(', ')}, got ${describeValue(unhealthyStates)}`,
    );
  }
  const circuits = registry.status();
  const unhealthy = Object.keys(circuits).filter((name) => unhealthyStates.includes((circuits[name] as BreakerStatus).state));
  return { status: unhealthy.length === 0 ? 'healthy' : 'degraded', circuits, unhealthy };
}
