import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, Registry } from '../src/index.js';
import { dashboard } from '../src/integrations/dashboard/index.js';
import { type DashboardUpdate, Sampler } from '../src/integrations/dashboard/sampler.js';
import { boom, expectThrow } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(intervalMs = 1000) {
  const registry = new Registry();
  const sampler = new Sampler(registry, { intervalMs, historySize: 5, minGapMs: 200 });
  const updates: DashboardUpdate[] = [];
  return { registry, sampler, updates, listen: () => sampler.subscribe((u) => updates.push(u)) };
}

describe('dashboard Sampler', () => {
  it('costs nothing while nobody watches: no timer, no listener, before and after', () => {
    const registry = new Registry();
    const breaker = new CircuitBreaker('db', { registry });
    const handler = dashboard({ registry });
    const sampler = new Sampler(registry, { intervalMs: 1000, historySize: 5, minGapMs: 200 });
    expect(vi.getTimerCount()).toBe(0);
    const on = vi.spyOn(breaker, 'on');
    const { unsubscribe } = sampler.subscribe(() => {});
    expect(vi.getTimerCount()).toBe(1);
    expect(on).toHaveBeenCalledTimes(1);
    unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    expect(sampler.active).toBe(false);
    // Its stateChange listener is gone: a transition schedules nothing.
    breaker.trip();
    expect(vi.getTimerCount()).toBe(0);
    handler.close();
  });

  it('pushes once per interval whatever the call rate, with rates per second', () => {
    const { registry, updates, listen } = setup();
    const breakers = Array.from({ length: 100 }, (_, i) => new CircuitBreaker(`b${i}`, { registry }));
    const { snapshot } = listen();
    expect(snapshot.breakers).toHaveLength(100);
    for (let ms = 0; ms < 1000; ms += 10) {
      for (const b of breakers) b.call(() => 1); // 10 000 calls per second in all
      vi.advanceTimersByTime(10);
    }
    expect(updates).toHaveLength(1);
    const update = updates[0] as DashboardUpdate;
    expect(update.tick).toBe(true);
    expect(update.breakers).toHaveLength(100);
    expect(update.breakers[0]).toMatchObject({ name: 'b0', state: 'closed', callsPerSec: 100, failureRate: 0 });
  });

  it('sends only the breakers whose figures changed', () => {
    const { registry, updates, listen } = setup();
    const busy = new CircuitBreaker('busy', { registry });
    new CircuitBreaker('idle', { registry });
    listen();
    busy.call(() => 1);
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(1000);
    expect(updates.map((u) => u.breakers.map((b) => [b.name, b.callsPerSec]))).toEqual([[['busy', 1]], [['busy', 0]]]);
    vi.advanceTimersByTime(1000);
    expect(updates[2]?.breakers).toEqual([]);
  });

  it('pushes a transition soon, and coalesces a flapping breaker to one push per 200 ms', () => {
    const { registry, updates, listen } = setup();
    const breaker = new CircuitBreaker('flappy', { registry, failureThreshold: 1 });
    listen();
    expectThrow(() => breaker.call(boom));
    vi.advanceTimersByTime(0);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.transitions).toMatchObject([{ name: 'flappy', from: 'closed', to: 'open', reason: 'failure_threshold' }]);
    expect(updates[0]?.transitions[0]?.detector).toMatchObject({ failures: 1 });
    expect(updates[0]?.breakers).toMatchObject([{ name: 'flappy', state: 'open' }]);
    for (let i = 0; i < 100; i++) {
      breaker.reset();
      expectThrow(() => breaker.call(boom));
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(200);
    // 700 ms, 200 transitions: the first push, then at most one per 200 ms, and no transition lost.
    expect(updates.length).toBeLessThanOrEqual(5);
    expect(updates.flatMap((u) => u.transitions)).toHaveLength(201);
  });

  it('reads only the breakers that changed state for a push between two samples', () => {
    const { registry, updates, listen } = setup();
    const breakers = Array.from({ length: 1_000 }, (_, i) => new CircuitBreaker(`b${i}`, { registry }));
    listen();
    const status = vi.spyOn(CircuitBreaker.prototype, 'status');
    breakers[7]?.trip();
    vi.advanceTimersByTime(0);
    expect(updates.at(-1)?.breakers.map((b) => b.name)).toEqual(['b7']);
    expect(status).toHaveBeenCalledTimes(1);
  });

  it('tells clients about added and deleted breakers, and forgets the deleted one', () => {
    const { registry, updates, listen } = setup();
    listen();
    const added = new CircuitBreaker('late', { registry });
    vi.advanceTimersByTime(200);
    expect(updates.at(-1)?.breakers.map((b) => b.name)).toEqual(['late']);
    registry.delete('late');
    vi.advanceTimersByTime(200);
    expect(updates.at(-1)?.removed).toEqual(['late']);
    added.trip();
    vi.advanceTimersByTime(1000);
    expect(updates.flatMap((u) => u.transitions)).toEqual([]);
  });

  it('keeps a bounded history for the sparkline and gives it to new clients', () => {
    const { registry, sampler, listen } = setup();
    const breaker = new CircuitBreaker('db', { registry });
    listen();
    for (let i = 0; i < 8; i++) {
      breaker.call(() => 1);
      vi.advanceTimersByTime(1000);
    }
    const { snapshot, unsubscribe } = sampler.subscribe(() => {});
    expect(snapshot.breakers[0]?.history).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    unsubscribe();
  });
});

describe('dashboard options', () => {
  it('rejects bad options naming the option and the value', () => {
    expect(() => dashboard({ registry: new Registry(), intervalMs: 10 })).toThrow(
      'Expected `intervalMs` to be an integer of at least 100, got 10 (number)',
    );
    expect(() => dashboard({ registry: new Registry(), historySize: 0 })).toThrow(/historySize/);
    expect(() => dashboard({ registry: {} as Registry })).toThrow(/Expected `registry` to be a Registry/);
    expect(() => dashboard({ registry: new Registry(), authorize: 'yes' as never })).toThrow(/Expected `authorize` to be a function/);
  });
});
