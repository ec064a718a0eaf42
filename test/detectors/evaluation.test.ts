import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/index.js';
import { fakeClock } from '../helpers.js';

/*
 * When the breaker asks a detector: after every counted outcome, a success included. A rate can reach
 * its threshold on a success (the window fills up to `minimumCalls`), as resilience4j rates it.
 */

const fail = (): never => {
  throw new Error('down');
};

function run(pattern: string, options: CircuitBreakerOptions): string[] {
  const breaker = new CircuitBreaker('rates', { registry: false, clock: fakeClock(), ...options });
  const states: string[] = [];
  for (const c of pattern) {
    if (c === 'F') expect(() => breaker.call(fail)).toThrow('down');
    else expect(breaker.call(() => 'ok')).toBe('ok');
    states.push(breaker.state);
  }
  return states;
}

const rateDetectors: CircuitBreakerOptions[] = [
  { detector: 'countWindow', windowSize: 10 },
  { detector: 'rateWindow', timeWindow: 10_000 },
];

describe('rate detectors through a breaker', () => {
  describe.each(rateDetectors)('$detector', (base) => {
    it.each([{}, { slowCallDuration: 1_000 }])('opens on the fifth call of F F F S S with minimumCalls 5 (%o)', (extra) => {
      const states = run('FFFSS', { ...base, ...extra, minimumCalls: 5, failureRateThreshold: 0.5 });
      expect(states).toEqual(['closed', 'closed', 'closed', 'closed', 'open']);
    });

    it('stays closed on F S S S S: one failure in five is under the threshold', () => {
      expect(run('FSSSS', { ...base, minimumCalls: 5, failureRateThreshold: 0.5 })).toEqual(Array(5).fill('closed'));
    });
  });

  it('opens a consecutive breaker only on failures (a success never trips it)', () => {
    expect(run('FFFFSFFFFF', { failureThreshold: 5 })).toEqual([...Array(9).fill('closed'), 'open']);
  });
});
