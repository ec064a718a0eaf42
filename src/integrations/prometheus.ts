import { Counter, Gauge, Histogram, type Registry as PromRegistry, register as promDefaultRegister } from 'prom-client';
import { CircuitState, Registry } from 'tripswitch';
import { callOutcomes, observeRegistry } from './observe.js';

export type { CallOutcome } from './observe.js';

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * The tripswitch registry whose breakers are measured, now and as they are added.
   * @default the default registry (`CircuitBreaker.registry`)
   */
  readonly registry?: Registry;
  /**
   * The prom-client registry the metrics are registered in.
   * @default prom-client's global `register`
   */
  readonly register?: PromRegistry;
  /**
   * Prefix of every metric name.
   * @default 'tripswitch_'
   */
  readonly prefix?: string;
  /**
   * Histogram buckets of call duration, in seconds.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  readonly buckets?: readonly number[];
  /**
   * Whether to keep the `call_duration_seconds` histogram. Each breaker costs 14 series per outcome there,
   * most of a scrape's time with thousands of breakers (see the README's figures): `false` keeps only the
   * state gauge and the call counter.
   * @default true
   */
  readonly durations?: boolean;
}

/** What {@link prometheusMetrics} returns. */
export interface PrometheusMetrics {
  /** Stops listening to the breakers and removes the metrics from the prom-client registry. */
  stop(): void;
}

const states = Object.values(CircuitState);

/**
 * Exposes every breaker of a registry as Prometheus metrics (breakers created later included):
 *
 * - `tripswitch_circuit_state{circuit, state}` gauge: 1 for the current state, 0 for the others;
 * - `tripswitch_calls_total{circuit, outcome}` counter, outcome `success`, `failure`, `timeout`, `rejected`, `fallback`
 *   or `ignored` (a timeout is counted as `timeout`, not also as `failure`; a fallback also counts its `rejected` or
 *   `failure`; `ignored` is an error that passed through uncounted, see `ignoreErrors`);
 * - `tripswitch_call_duration_seconds{circuit, outcome}` histogram of the calls that ran.
 *
 * The series follow the registry: when a breaker is deleted from it, its series disappear from the next
 * scrape and its calls are no longer counted. Adding a breaker costs O(1), however many are observed.
 *
 * @example
 * import { prometheusMetrics } from 'tripswitch/prometheus';
 * prometheusMetrics();
 * app.get('/metrics', async (_req, res) => res.type('text/plain').send(await register.metrics()));
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? Registry.default;
  const register = options.register ?? promDefaultRegister;
  const prefix = options.prefix ?? 'tripswitch_';
  const registers = [register];
  // prom-client keeps the metrics through `registers`; stop() removes them by name.
  new Gauge({
    name: `${prefix}circuit_state`,
    help: 'Circuit breaker state: 1 for the current state, 0 for the others',
    labelNames: ['circuit', 'state'] as const,
    registers,
    collect() {
      // Read at scrape time, so lazy transitions (open -> half_open) and removed breakers show up.
      this.reset();
      for (const breaker of registry) {
        const current = breaker.state;
        for (const state of states) this.set({ circuit: breaker.name, state }, state === current ? 1 : 0);
      }
    },
  });
  const calls = new Counter({
    name: `${prefix}calls_total`,
    help: 'Calls through circuit breakers by outcome',
    labelNames: ['circuit', 'outcome'] as const,
    registers,
  });
  const duration =
    options.durations === false
      ? undefined
      : new Histogram({
          name: `${prefix}call_duration_seconds`,
          help: 'Duration of calls that ran through circuit breakers',
          labelNames: ['circuit', 'outcome'] as const,
          buckets: [...(options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])],
          registers,
        });
  const stopObserving = observeRegistry(registry, {
    onCall(circuit, outcome, durationMs) {
      calls.inc({ circuit, outcome });
      if (duration !== undefined && durationMs !== undefined && !Number.isNaN(durationMs))
        duration.observe({ circuit, outcome }, durationMs / 1000);
    },
    onRemove(circuit) {
      for (const outcome of callOutcomes) {
        calls.remove({ circuit, outcome });
        duration?.remove({ circuit, outcome });
      }
    },
  });
  return {
    stop() {
      stopObserving();
      register.removeSingleMetric(`${prefix}circuit_state`);
      register.removeSingleMetric(`${prefix}calls_total`);
      if (duration !== undefined) register.removeSingleMetric(`${prefix}call_duration_seconds`);
    },
  };
}
