import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/breaker.js';
import type { StateChangeEvent } from '../src/events.js';
import { fakeClock } from './helpers.js';

function breakerWithEvents() {
  const clock = fakeClock();
  const breaker = new CircuitBreaker('m', { registry: false, clock, failureThreshold: 1, recoveryTimeout: 100 });
  const events: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => events.push(e));
  return { breaker, clock, events };
}

describe('CircuitBreaker manual states', () => {
  it('forceOpen rejects every call, past any recovery timeout, until reset', () => {
    const { breaker, clock, events } = breakerWithEvents();
    let ran = 0;
    breaker.forceOpen();
    expect(() => breaker.call(() => ran++)).toThrow(
      expect.objectContaining({ name: 'CircuitOpenError', state: 'forced_open', retryAfterMs: null }),
    );
    clock.advance(1_000_000);
    expect(breaker.state).toBe('forced_open');
    expect(ran).toBe(0);
    breaker.reset();
    expect(breaker.call(() => ran++)).toBe(0);
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ['closed', 'forced_open', 'manual_trip'],
      ['forced_open', 'closed', 'manual_reset'],
    ]);
  });

  it('disable lets failing calls through without opening, and records them', () => {
    const { breaker, events } = breakerWithEvents();
    breaker.disable();
    for (let i = 0; i < 5; i++) {
      expect(() =>
        breaker.call(() => {
          throw new Error('x');
        }),
      ).toThrow('x');
    }
    expect(breaker.state).toBe('disabled');
    expect(breaker.status()).toMatchObject({ failures: 5, rejected: 0 });
    expect(events).toMatchObject([{ from: 'closed', to: 'disabled', reason: 'manual_disable' }]);
  });

  it('trip from open and disable from forced open each emit one stateChange', () => {
    const { breaker, events } = breakerWithEvents();
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow();
    breaker.trip();
    breaker.trip();
    breaker.disable();
    expect(events.map((e) => e.to)).toEqual(['open', 'forced_open', 'disabled']);
  });

  it('endOpenPeriod ends an open period early: no event, then the next read starts the trial calls', () => {
    const { breaker, events } = breakerWithEvents();
    expect(breaker.endOpenPeriod()).toBe(false); // closed: nothing to end
    expect(() =>
      breaker.call(() => {
        throw new Error('down');
      }),
    ).toThrow('down');
    expect(breaker.state).toBe('open');
    expect(breaker.endOpenPeriod()).toBe(true);
    expect(events.map((e) => e.to)).toEqual(['open']);
    expect(breaker.state).toBe('half_open');
    expect(breaker.call(() => 'trial')).toBe('trial');
    expect(events.map((e) => [e.to, e.reason])).toEqual([
      ['open', 'failure_threshold'],
      ['half_open', 'recovery_timeout'],
    ]);
    breaker.trip();
    expect(breaker.endOpenPeriod()).toBe(false);
    expect(breaker.state).toBe('forced_open');
  });
});
