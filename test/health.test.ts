import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, Registry } from '../src/index.js';

function setup() {
  let now = 0;
  const clock = { now: () => now };
  const registry = new Registry();
  const make = (name: string) => new CircuitBreaker(name, { registry, clock, failureThreshold: 1, recoveryTimeout: 1000 });
  return { registry, make, advance: (ms: number) => (now += ms) };
}

const fail = () => {
  throw new Error('down');
};

describe('Registry.health', () => {
  it('reports healthy with no unhealthy circuits when every breaker is closed', () => {
    const { registry, make } = setup();
    make('a');
    make('b');
    const report = registry.health();
    expect(report.status).toBe('healthy');
    expect(report.unhealthy).toEqual([]);
    expect(Object.keys(report.circuits)).toEqual(['a', 'b']);
    expect(report.circuits.a?.state).toBe('closed');
  });

  it('reports degraded and names open, half-open and forced-open breakers', () => {
    const { registry, make, advance } = setup();
    const open = make('open');
    const half = make('half');
    const forced = make('forced');
    const disabled = make('disabled');
    make('closed');
    expect(() => half.call(fail)).toThrow('down');
    advance(1000);
    expect(() => open.call(fail)).toThrow('down');
    forced.trip();
    disabled.disable();
    const report = registry.health();
    expect(report.status).toBe('degraded');
    expect(report.unhealthy).toEqual(['open', 'half', 'forced']);
    expect(report.circuits.half?.state).toBe('half_open');
    expect(report.circuits.open?.timeUntilRecoveryMs).toBe(1000);
  });

  it('lets unhealthyStates choose which states count', () => {
    const { registry, make } = setup();
    make('off').disable();
    make('forced').trip();
    expect(registry.health({ unhealthyStates: ['disabled'] }).unhealthy).toEqual(['off']);
    expect(registry.health({ unhealthyStates: [] }).status).toBe('healthy');
  });

  it('rejects an unknown state in unhealthyStates', () => {
    const { registry } = setup();
    // @ts-expect-error not a state
    expect(() => registry.health({ unhealthyStates: ['broken'] })).toThrow(/unhealthyStates/);
  });
});

describe('CircuitBreaker.health', () => {
  it('reports the default registry', () => {
    const breaker = new CircuitBreaker(`health-static-${Math.random()}`);
    breaker.trip();
    try {
      const report = CircuitBreaker.health();
      expect(report.status).toBe('degraded');
      expect(report.unhealthy).toContain(breaker.name);
    } finally {
      CircuitBreaker.registry.delete(breaker.name);
    }
  });
});

describe('Registry.onAdd', () => {
  it('calls the listener with each breaker added later, until unsubscribed', () => {
    const registry = new Registry();
    const seen: string[] = [];
    const off = registry.onAdd((b) => seen.push(b.name));
    registry.getOrCreate('one');
    registry.getOrCreate('one');
    new CircuitBreaker('two', { registry });
    off();
    registry.getOrCreate('three');
    expect(seen).toEqual(['one', 'two']);
  });

  it('keeps the breaker registered when a listener throws and rethrows the error in a microtask', () => {
    const registry = new Registry();
    const boom = new Error('listener failed');
    registry.onAdd(() => {
      throw boom;
    });
    const queued: Array<() => void> = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => queued.push(task));
    registry.getOrCreate('kept');
    expect(registry.has('kept')).toBe(true);
    expect(queued).toHaveLength(1);
    expect(() => queued[0]?.()).toThrow(boom);
  });
});
