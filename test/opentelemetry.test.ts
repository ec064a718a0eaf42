import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, Registry } from '../src/index.js';
import { openTelemetryMetrics } from '../src/integrations/opentelemetry.js';

const providers: MeterProvider[] = [];
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.shutdown();
});

function setup(temporality = AggregationTemporality.CUMULATIVE) {
  const exporter = new InMemoryMetricExporter(temporality);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  const registry = new Registry();
  const now = { t: 0 };
  const make = (name: string, extra = {}) =>
    new CircuitBreaker(name, { registry, failureThreshold: 1, recoveryTimeout: 1000, clock: { now: () => now.t }, ...extra });
  /** Collects through the real SDK pipeline and returns the data points of `metric`. */
  const read = async (metric: string): Promise<DataPoint<unknown>[]> => {
    exporter.reset();
    await reader.forceFlush();
    const found = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics)
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === metric);
    return (found?.dataPoints ?? []) as DataPoint<unknown>[];
  };
  return { registry, now, make, read, meter: provider.getMeter('test') };
}

const point = (points: DataPoint<unknown>[], attributes: Record<string, string>) =>
  points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;

describe('openTelemetryMetrics', () => {
  it('counts calls by outcome through the SDK', async () => {
    const { registry, meter, make, read } = setup();
    openTelemetryMetrics({ registry, meter });
    const breaker = make('payments', { fallback: () => 'queued' });
    breaker.call(() => 'ok');
    breaker.call(() => 'ok');
    expect(() =>
      breaker.call(() => {
        throw new Error('down');
      }),
    ).toThrow('down');
    expect(breaker.call(() => 'not run')).toBe('queued');
    const calls = await read('tripswitch.calls');
    expect(point(calls, { circuit: 'payments', outcome: 'success' })).toBe(2);
    expect(point(calls, { circuit: 'payments', outcome: 'failure' })).toBe(1);
    expect(point(calls, { circuit: 'payments', outcome: 'rejected' })).toBe(1);
    expect(point(calls, { circuit: 'payments', outcome: 'fallback' })).toBe(1);
  });

  it('records call durations in seconds', async () => {
    const { registry, meter, make, read, now } = setup();
    openTelemetryMetrics({ registry, meter });
    const breaker = make('db');
    breaker.call(() => {
      now.t += 120;
    });
    breaker.call(() => {
      now.t += 30;
    });
    const histogram = point(await read('tripswitch.call.duration'), { circuit: 'db', outcome: 'success' }) as Histogram;
    expect(histogram.count).toBe(2);
    expect(histogram.sum).toBeCloseTo(0.15);
    expect(histogram.max).toBeCloseTo(0.12);
  });

  it('reports the current state as 1 among 0s at collection time, for breakers added later too', async () => {
    const { registry, meter, make, read, now } = setup();
    openTelemetryMetrics({ registry, meter });
    const breaker = make('late');
    expect(() =>
      breaker.call(() => {
        throw new Error('down');
      }),
    ).toThrow();
    let states = await read('tripswitch.circuit.state');
    expect(point(states, { circuit: 'late', state: 'open' })).toBe(1);
    expect(point(states, { circuit: 'late', state: 'closed' })).toBe(0);
    now.t += 1000;
    states = await read('tripswitch.circuit.state');
    expect(point(states, { circuit: 'late', state: 'half_open' })).toBe(1);
    expect(point(states, { circuit: 'late', state: 'open' })).toBe(0);
  });

  it('stops counting and reporting states on stop()', async () => {
    const { registry, meter, make, read } = setup();
    const otel = openTelemetryMetrics({ registry, meter });
    const breaker = make('x');
    breaker.call(() => 1);
    otel.stop();
    breaker.call(() => 1);
    expect(point(await read('tripswitch.calls'), { circuit: 'x', outcome: 'success' })).toBe(1);
    expect(await read('tripswitch.circuit.state')).toEqual([]);
  });
});

describe('openTelemetryMetrics following the registry', () => {
  it('stops counting a deleted breaker at once', async () => {
    const { registry, meter, make, read } = setup();
    openTelemetryMetrics({ registry, meter });
    const dropped = make('dropped');
    dropped.call(() => 1);
    expect(point(await read('tripswitch.calls'), { circuit: 'dropped', outcome: 'success' })).toBe(1);
    registry.delete('dropped');
    dropped.call(() => 1);
    dropped.call(() => 1);
    // Cumulative temporality: the SDK keeps the series' last value (OpenTelemetry cannot delete one), but nothing is added.
    expect(point(await read('tripswitch.calls'), { circuit: 'dropped', outcome: 'success' })).toBe(1);
  });

  it('leaves no series of a deleted breaker in the next export with delta temporality', async () => {
    const { registry, meter, make, read } = setup(AggregationTemporality.DELTA);
    openTelemetryMetrics({ registry, meter });
    const kept = make('kept');
    const dropped = make('dropped');
    kept.call(() => 1);
    dropped.call(() => 1);
    expect(point(await read('tripswitch.calls'), { circuit: 'dropped', outcome: 'success' })).toBe(1);
    registry.delete('dropped');
    dropped.call(() => 1);
    kept.call(() => 1);
    const calls = await read('tripswitch.calls');
    expect(calls.filter((p) => p.attributes.circuit === 'dropped')).toEqual([]);
    expect(point(calls, { circuit: 'kept', outcome: 'success' })).toBe(1);
    expect((await read('tripswitch.circuit.state')).filter((p) => p.attributes.circuit === 'dropped')).toEqual([]);
  });

  it('does a constant amount of work per added breaker, however many are observed', () => {
    const { registry, meter, make } = setup();
    openTelemetryMetrics({ registry, meter });
    const find = vi.spyOn(registry, 'find');
    for (let i = 0; i < 2_000; i++) make(`b${i}`);
    expect(find.mock.calls.length).toBeLessThanOrEqual(2_000);
  });

  it('counts ignored errors under outcome "ignored"', async () => {
    const { registry, meter, make, read } = setup();
    openTelemetryMetrics({ registry, meter });
    const breaker = make('search', { ignoreErrors: [TypeError] });
    expect(() =>
      breaker.call(() => {
        throw new TypeError('bad input');
      }),
    ).toThrow(TypeError);
    const calls = await read('tripswitch.calls');
    expect(point(calls, { circuit: 'search', outcome: 'ignored' })).toBe(1);
    expect(point(calls, { circuit: 'search', outcome: 'failure' })).toBeUndefined();
  });
});
