import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  isCircuitOpenError,
  MemoryStateStore,
  type StateChangeEvent,
} from '../../src/index.js';

function setup(count = 2, options: CircuitBreakerOptions = {}) {
  let now = 0;
  const clock = { now: () => now };
  const store = new MemoryStateStore({ clock });
  const events: StateChangeEvent[][] = [];
  const breakers = Array.from({ length: count }, (_, i) => {
    const breaker = new CircuitBreaker('payments', {
      store,
      clock,
      registry: false,
      failureThreshold: 1,
      successThreshold: 1,
      recoveryTimeout: 1000,
      ...options,
    });
    const list: StateChangeEvent[] = [];
    events[i] = list;
    breaker.on('stateChange', (e) => list.push(e));
    return breaker;
  });
  return { breakers, events, store, advance: (ms: number) => (now += ms) };
}

const fail = () => {
  throw new Error('down');
};
const ok = () => 'ok';

function failOn(breaker: CircuitBreaker): void {
  expect(() => breaker.call(fail)).toThrow('down');
}

describe('MemoryStateStore', () => {
  it('opens every peer when one breaker opens, with reason remote', () => {
    const { breakers, events } = setup(3);
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    failOn(a);
    expect([a.state, b.state, c.state]).toEqual(['open', 'open', 'open']);
    expect(events[1]?.map((e) => `${e.from}>${e.to}:${e.reason}`)).toEqual(['closed>open:remote']);
    expect(() => b.call(ok)).toThrow(expect.objectContaining({ name: 'CircuitOpenError', retryAfterMs: 1000 }));
  });

  it('does not echo a remote transition back to its origin', () => {
    const { breakers, events } = setup(2);
    failOn(breakers[0] as CircuitBreaker);
    expect(events[0]?.map((e) => e.reason)).toEqual(['failure_threshold']);
    expect(events[1]?.map((e) => e.reason)).toEqual(['remote']);
  });

  it('lets only one breaker probe after the recovery timeout', async () => {
    const { breakers, advance } = setup(3);
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    failOn(a);
    advance(1000);
    let release: (value: string) => void = () => {};
    const probe = b.call(() => new Promise<string>((resolve) => (release = resolve)));
    expect(b.state).toBe('half_open');
    expect(a.state).toBe('open');
    let ran = 0;
    for (const breaker of [a, c, b]) {
      // b has run async work, so it refuses a fresh arrow with a rejected promise; a and c throw.
      await expect((async () => breaker.call(() => ran++))()).rejects.toSatisfy(isCircuitOpenError);
    }
    expect(ran).toBe(0);
    release('ok');
    await expect(probe).resolves.toBe('ok');
    expect([a.state, b.state, c.state]).toEqual(['closed', 'closed', 'closed']);
  });

  it('reopens every peer, one attempt further, when the probe fails', () => {
    const { breakers, events, advance } = setup(2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a);
    advance(1000);
    failOn(a);
    expect([a.state, b.state]).toEqual(['open', 'open']);
    expect(events[1]?.map((e) => `${e.from}>${e.to}:${e.reason}`)).toEqual(['closed>open:remote']);
    expect(b.status().timeUntilRecoveryMs).toBe(1000);
  });

  it('closes every peer on a manual reset, and reopens them on the next failure', () => {
    const { breakers, advance } = setup(2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a);
    advance(400);
    b.reset();
    expect(a.state).toBe('closed');
    failOn(b);
    expect(a.status().timeUntilRecoveryMs).toBe(1000);
  });

  it('leaves manual states alone and does not share them', () => {
    const { breakers } = setup(3);
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    b.trip();
    c.disable();
    expect(a.state).toBe('closed');
    failOn(a);
    expect([b.state, c.state]).toEqual(['forced_open', 'disabled']);
  });

  it('gives the lease back when the prober leaves half-open by hand', () => {
    const { breakers, advance } = setup(2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a);
    advance(1000);
    void a.call(() => new Promise(() => {}));
    expect(a.state).toBe('half_open');
    expect(() => b.call(ok)).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    a.trip();
    expect(b.call(ok)).toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('opens a breaker that attaches while its peers are open', () => {
    const { breakers, store, advance } = setup(1);
    failOn(breakers[0] as CircuitBreaker);
    advance(300);
    const late = new CircuitBreaker('payments', { store, registry: false, clock: { now: () => 300 }, recoveryTimeout: 1000 });
    expect(late.state).toBe('open');
    expect(late.status().timeUntilRecoveryMs).toBe(700);
  });

  it('forgets a disposed breaker: it decides alone and its peers no longer follow it', () => {
    const { breakers, advance } = setup(2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    failOn(a);
    advance(1000);
    void a.call(() => new Promise(() => {}));
    expect(a.state).toBe('half_open');
    a.dispose();
    a.dispose();
    expect(b.call(ok)).toBe('ok');
    expect(b.state).toBe('closed');
    expect(a.state).toBe('half_open');
    failOn(b);
    expect(a.state).toBe('half_open');
  });

  it('rejects a store without an attach method', () => {
    expect(() => new CircuitBreaker('x', { registry: false, store: {} as never })).toThrow(
      /Expected `store` to be a StateStore \(an object with an attach\(\) method\), got `\{\}` \(object\)/,
    );
  });
});
