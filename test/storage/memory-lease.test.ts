import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, MemoryStateStore, type MemoryStateStoreOptions } from '../../src/index.js';

function setup(options: CircuitBreakerOptions = {}, storeOptions: Omit<MemoryStateStoreOptions, 'clock'> = {}) {
  let now = 0;
  const clock = { now: () => now };
  const store = new MemoryStateStore({ clock, leaseTtl: 500, ...storeOptions });
  const make = () =>
    new CircuitBreaker('payments', {
      store,
      clock,
      registry: false,
      failureThreshold: 1,
      successThreshold: 1,
      recoveryTimeout: 1000,
      ...options,
    });
  return { store, make, clock, advance: (ms: number) => (now += ms) };
}

const fail = () => {
  throw new Error('down');
};
const hang = () => new Promise<never>(() => {});
let probes = 0;
const probe = () => {
  probes++;
  return 'ok';
};

describe('MemoryStateStore probe lease', () => {
  it('lets a peer probe once a holder idle after one success lets its lease lapse', () => {
    const { make, advance } = setup({ successThreshold: 3 });
    const a = make();
    const b = make();
    expect(() => a.call(fail)).toThrow('down');
    advance(1000);
    expect(a.call(probe)).toBe('ok'); // a holds the lease, one success of three, then no more traffic
    expect(a.state).toBe('half_open');
    advance(499);
    expect(() => b.call(probe)).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    advance(1);
    probes = 0;
    expect(b.call(probe)).toBe('ok');
    expect(probes).toBe(1);
    // The old holder learns at once that it no longer holds the lease: it stops admitting trials.
    expect(a.state).toBe('open');
  });

  it('settles halfOpenMaxWait of a hung trial without traffic in the holder', () => {
    const { make, advance } = setup({ halfOpenMaxWait: 200 });
    const a = make();
    const b = make();
    expect(() => a.call(fail)).toThrow('down');
    advance(1000);
    void a.call(hang);
    expect(a.state).toBe('half_open');
    advance(200);
    // b's request settles a's trial wait: a reopens (trial_timed_out) for everyone.
    expect(() => b.call(probe)).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    advance(1000);
    probes = 0;
    // Nobody read a's state or called it: the store alone settled the wait.
    expect(b.call(probe)).toBe('ok');
    expect(probes).toBe(1);
    expect(a.state).toBe('closed');
  });

  it('stops honouring a hung trial after maxProbeTime when no halfOpenMaxWait is set', () => {
    const { make, advance } = setup({}, { maxProbeTime: 2000 });
    const a = make();
    const b = make();
    expect(() => a.call(fail)).toThrow('down');
    advance(1000);
    void a.call(hang);
    advance(1999);
    expect(() => b.call(probe)).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    advance(500);
    probes = 0;
    expect(b.call(probe)).toBe('ok');
    expect(probes).toBe(1);
  });

  it('shares a restored open state when the breaker attaches', () => {
    const { make, store, clock } = setup();
    const peer = make();
    const alone = new CircuitBreaker('payments', { registry: false, clock, failureThreshold: 1 });
    alone.trip();
    alone.reset();
    expect(() => alone.call(fail)).toThrow('down');
    const restored = new CircuitBreaker('payments', { registry: false, store, clock, initialState: alone.snapshot() });
    expect(restored.state).toBe('open');
    expect(peer.state).toBe('open');
  });

  it('rejects invalid lease options, naming them', () => {
    expect(() => new MemoryStateStore({ leaseTtl: 0 })).toThrow(/`leaseTtl`/);
    expect(() => new MemoryStateStore({ maxProbeTime: 2 ** 31 })).toThrow(/`maxProbeTime`/);
  });
});
