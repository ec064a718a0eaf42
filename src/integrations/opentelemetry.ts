import { type Meter, metrics, type ObservableResult } from '@opentelemetry/api';
import { CircuitState, Registry } from 'tripswitch';
import { observeRegistry } from './observe.js';

export type { CallOutcome } from './observe.js';

/** Options of {@link openTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions {
  /**
   * The tripswitch registry whose breakers are measured, now and as they are added.
   * @default the default registry (`CircuitBreaker.registry`)
   */
  readonly registry?: Registry;
  /**
   * The meter that creates the instruments.
   * @default metrics.getMeter('tripswitch') from the global MeterProvider
   */
  readonly meter?: Meter;
  /**
   * Prefix of every instrument name.
   * @default 'tripswitch.'
   */
  readonly prefix?: string;
}

/** What {@link openTelemetryMetrics} returns. */
export interface OpenTelemetryMetrics {
  /** Stops listening to the breakers and stops reporting states. */
  stop(): void;
}

const states = Object.values(CircuitState);

/**
 * Reports every breaker of a registry as OpenTelemetry metrics (breakers created later included):
 *
 * - `tripswitch.circuit.state` observable gauge, attributes `circuit` and `state`: 1 for the current state, 0 for the others;
 * - `tripswitch.calls` counter, attributes `circuit` and `outcome` (`success`, `failure`, `timeout`, `rejected`,
 *   `fallback`, `ignored`);
 * - `tripswitch.call.duration` histogram in seconds (unit `s`), attributes `circuit` and `outcome`, for the calls that ran.
 *
 * When a breaker is deleted from the registry, its calls stop being counted at once and its state leaves
 * the next collection. OpenTelemetry has no API to delete a series: with delta temporality a deleted
 * breaker's call series are gone from the next export; with cumulative temporality the SDK keeps exporting
 * their last value. Adding a breaker costs O(1), however many are observed.
 *
 * @example
 * import { openTelemetryMetrics } from 'tripswitch/opentelemetry';
 * openTelemetryMetrics(); // uses the global MeterProvider your OTel SDK set up
 */
export function openTelemetryMetrics(options: OpenTelemetryMetricsOptions = {}): OpenTelemetryMetrics {
  const registry = options.registry ?? Registry.default;
  const meter = options.meter ?? metrics.getMeter('tripswitch');
  const prefix = options.prefix ?? 'tripswitch.';
  const stateGauge = meter.createObservableGauge(`${prefix}circuit.state`, {
    description: 'Circuit breaker state: 1 for the current state, 0 for the others',
  });
  const calls = meter.createCounter(`${prefix}calls`, { description: 'Calls through circuit breakers by outcome' });
  const duration = meter.createHistogram(`${prefix}call.duration`, {
    description: 'Duration of calls that ran through circuit breakers',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });
  // Read at collection time, so lazy transitions (open -> half_open) show without a timer.
  const observeStates = (result: ObservableResult): void => {
    for (const breaker of registry) {
      const current = breaker.state;
      for (const state of states) result.observe(state === current ? 1 : 0, { circuit: breaker.name, state });
    }
  };
  stateGauge.addCallback(observeStates);
  const stopObserving = observeRegistry(registry, {
    onCall(circuit, outcome, durationMs) {
      const attributes = { circuit, outcome };
      calls.add(1, attributes);
      if (durationMs !== undefined && !Number.isNaN(durationMs)) duration.record(durationMs / 1000, attributes);
    },
  });
  return {
    stop() {
      stopObserving();
      stateGauge.removeCallback(observeStates);
    },
  };
}
