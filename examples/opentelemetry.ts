// tripswitch/opentelemetry: the same metrics as OTel instruments, read through the real SDK with an
// in-memory exporter (in production, your OTLP exporter takes its place).
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CircuitBreaker, Registry } from 'tripswitch';
import { openTelemetryMetrics } from 'tripswitch/opentelemetry';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });
const registry = new Registry();
const otel = openTelemetryMetrics({ registry, meter: provider.getMeter('example') });

const db = new CircuitBreaker('orders-db', { registry, failureThreshold: 1 });
db.call(() => 'row');
try {
  db.call(() => {
    throw new Error('connection reset');
  });
} catch {}
try {
  db.call(() => 'never runs');
} catch {}

await reader.forceFlush();
for (const metric of exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))) {
  for (const point of metric.dataPoints) {
    const value = typeof point.value === 'number' ? point.value : `count=${(point.value as { count: number }).count}`;
    if (value === 0) continue;
    console.log(`${metric.descriptor.name} ${JSON.stringify(point.attributes)} ${value}`);
  }
}
otel.stop();
await provider.shutdown();
