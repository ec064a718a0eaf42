import { Registry as PromRegistry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { CallTimeoutError, CircuitBreaker, Registry } from '../src/index.js';
import { prometheusMetrics } from '../src/integrations/prometheus.js';

function setup() {
  const now = { t: 0 };
  const registry = new Registry();
  const register = new PromRegistry();
  const metrics = prometheusMetrics({ registry, register });
  const make = (name: string, extra = {}) =>
    new CircuitBreaker(name, { registry, failureThreshold: 2, recoveryTimeout: 1000, clock: { now: () => now.t }, ...extra });
  return { now, registry, register, metrics, make };
}

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}

const fail = (error: unknown = new Error('down')) => {
  throw error;
};

describe('prometheusMetrics', () => {
  it('counts calls by outcome and records durations in seconds', async () => {
    const { now, register, make } = setup();
    const breaker = make('payments');
    breaker.call(() => {
      now.t += 250;
      return 'ok';
    });
    breaker.call(() => {
      now.t += 50;
      return 'ok';
    });
    expect(() =>
      breaker.call(() => {
        now.t += 40;
        fail(new CallTimeoutError('payments', 40));
      }),
    ).toThrow(CallTimeoutError);
    expect(() => breaker.call(() => fail())).toThrow('down');
    const text = await register.metrics();
    expect(sample(text, 'tripswitch_calls_total{circuit="payments",outcome="success"}')).toBe(2);
    expect(sample(text, 'tripswitch_calls_total{circuit="payments",outcome="timeout"}')).toBe(1);
    expect(sample(text, 'tripswitch_calls_total{circuit="payments",outcome="failure"}')).toBe(1);
    expect(sample(text, 'tripswitch_call_duration_seconds_sum{circuit="payments",outcome="success"}')).toBe(0.3);
    expect(sample(text, 'tripswitch_call_duration_seconds_bucket{le="0.1",circuit="payments",outcome="success"}')).toBe(1);
    expect(sample(text, 'tripswitch_call_duration_seconds_bucket{le="0.25",circuit="payments",outcome="success"}')).toBe(2);
    expect(sample(text, 'tripswitch_call_duration_seconds_count{circuit="payments",outcome="timeout"}')).toBe(1);
  });

  it('shows the current state as a 1 among 0s, read at scrape time', async () => {
    const { now, register, make } = setup();
    const breaker = make('db');
    let text = await register.metrics();
    expect(sample(text, 'tripswitch_circuit_state{circuit="db",state="closed"}')).toBe(1);
    expect(sample(text, 'tripswitch_circuit_state{circuit="db",state="open"}')).toBe(0);
    expect(() => breaker.call(() => fail())).toThrow();
    expect(() => breaker.call(() => fail())).toThrow();
    text = await register.metrics();
    expect(sample(text, 'tripswitch_circuit_state{circuit="db",state="open"}')).toBe(1);
    expect(sample(text, 'tripswitch_circuit_state{circuit="db",state="closed"}')).toBe(0);
    now.t += 1000; // recovery timeout passed: the scrape itself sees half-open
    text = await register.metrics();
    expect(sample(text, 'tripswitch_circuit_state{circuit="db",state="half_open"}')).toBe(1);
  });

  it('counts rejected calls and fallbacks', async () => {
    const { register, make } = setup();
    const breaker = make('cache', { fallback: () => null });
    breaker.trip();
    expect(breaker.call(() => 'hit')).toBeNull();
    const text = await register.metrics();
    expect(sample(text, 'tripswitch_calls_total{circuit="cache",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'tripswitch_calls_total{circuit="cache",outcome="fallback"}')).toBe(1);
    expect(sample(text, 'tripswitch_circuit_state{circuit="cache",state="forced_open"}')).toBe(1);
  });

  it('picks up breakers added after it started and those already there', async () => {
    const registry = new Registry();
    const early = new CircuitBreaker('early', { registry });
    const register = new PromRegistry();
    prometheusMetrics({ registry, register });
    const late = registry.getOrCreate('late');
    early.call(() => 1);
    await late.call(async () => 2);
    const text = await register.metrics();
    expect(sample(text, 'tripswitch_calls_total{circuit="early",outcome="success"}')).toBe(1);
    expect(sample(text, 'tripswitch_calls_total{circuit="late",outcome="success"}')).toBe(1);
    expect(sample(text, 'tripswitch_circuit_state{circuit="late",state="closed"}')).toBe(1);
  });

  it('stops counting and unregisters its metrics on stop()', async () => {
    const { register, make, metrics } = setup();
    const breaker = make('gone');
    metrics.stop();
    breaker.call(() => 1);
    expect(await register.metrics()).not.toContain('tripswitch_');
    // The names are free again: a new instance registers without a duplicate-name error.
    expect(() => prometheusMetrics({ registry: new Registry(), register })).not.toThrow();
  });

  it('stops counting a breaker dropped from the registry once another is added', async () => {
    const { registry, register, make } = setup();
    const dropped = make('dropped');
    registry.delete('dropped');
    make('next');
    dropped.call(() => 1);
    const text = await register.metrics();
    expect(text).not.toContain('circuit="dropped"');
  });

  it('uses the given prefix', async () => {
    const registry = new Registry();
    const register = new PromRegistry();
    prometheusMetrics({ registry, register, prefix: 'app_' });
    new CircuitBreaker('x', { registry }).call(() => 1);
    expect(sample(await register.metrics(), 'app_calls_total{circuit="x",outcome="success"}')).toBe(1);
  });
});

describe('prometheusMetrics following the registry', () => {
  it('forgets a deleted breaker at once: no series left, its later calls not counted', async () => {
    const { registry, register, make } = setup();
    const dropped = make('dropped');
    dropped.call(() => 1);
    expect(() => dropped.call(() => fail())).toThrow('down');
    expect(await register.metrics()).toContain('circuit="dropped"');
    registry.delete('dropped');
    expect(await register.metrics()).not.toContain('circuit="dropped"');
    dropped.call(() => 1);
    expect(await register.metrics()).not.toContain('circuit="dropped"');
  });

  it('forgets every breaker on registry.clear()', async () => {
    const { registry, register, make } = setup();
    for (let i = 0; i < 5; i++) make(`c${i}`).call(() => 1);
    registry.clear();
    expect(await register.metrics()).not.toContain('circuit=');
  });

  it('counts a breaker again when a new one takes the name of a deleted one', async () => {
    const { registry, register, make } = setup();
    make('reborn').call(() => 1);
    registry.delete('reborn');
    make('reborn').call(() => 1);
    expect(sample(await register.metrics(), 'tripswitch_calls_total{circuit="reborn",outcome="success"}')).toBe(1);
  });

  it('does a constant amount of work per added breaker, however many are observed', () => {
    const { registry, make } = setup();
    const find = vi.spyOn(registry, 'find');
    const iterate = vi.spyOn(registry, Symbol.iterator);
    for (let i = 0; i < 2_000; i++) make(`b${i}`);
    // The old adapter looked every observed breaker up again on each add: about 2 million lookups here.
    expect(find.mock.calls.length + iterate.mock.calls.length).toBeLessThanOrEqual(2_000);
  });

  it('counts ignored errors under outcome "ignored"', async () => {
    const { register, make } = setup();
    const breaker = make('search', { isFailure: (e: unknown) => !(e instanceof TypeError) });
    expect(() => breaker.call(() => fail(new TypeError('bad input')))).toThrow(TypeError);
    const text = await register.metrics();
    expect(sample(text, 'tripswitch_calls_total{circuit="search",outcome="ignored"}')).toBe(1);
    expect(sample(text, 'tripswitch_calls_total{circuit="search",outcome="failure"}')).toBeUndefined();
  });
});

describe('prometheusMetrics durations option', () => {
  it('leaves the histogram out with durations: false', async () => {
    const registry = new Registry();
    const register = new PromRegistry();
    const metrics = prometheusMetrics({ registry, register, durations: false });
    new CircuitBreaker('x', { registry }).call(() => 1);
    const text = await register.metrics();
    expect(sample(text, 'tripswitch_calls_total{circuit="x",outcome="success"}')).toBe(1);
    expect(text).not.toContain('call_duration_seconds');
    metrics.stop();
    expect(await register.metrics()).toBe('\n');
  });
});
