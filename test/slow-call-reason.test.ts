import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CombinedDetector,
  ConsecutiveFailuresDetector,
  SlowCallDetector,
  type StateChangeEvent,
} from '../src/index.js';
import { fakeClock } from './helpers.js';

/** Runs `calls` calls of `ms` each (failing when `fail`) and returns the transitions seen. */
function drive(options: CircuitBreakerOptions, calls: { ms: number; fail?: boolean }[]): StateChangeEvent[] {
  const clock = fakeClock();
  const breaker = new CircuitBreaker('db', { registry: false, clock, ...options });
  const seen: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => seen.push(e));
  for (const { ms, fail } of calls) {
    try {
      breaker.call(() => {
        clock.advance(ms);
        if (fail) throw new Error('down');
      });
    } catch {}
  }
  return seen;
}

const slow = (n: number) => Array.from({ length: n }, () => ({ ms: 500 }));
const failing = (n: number) => Array.from({ length: n }, () => ({ ms: 1, fail: true }));

describe('slow-call trips', () => {
  it('open with reason slow_call_rate from the slowCalls detector', () => {
    const seen = drive({ detector: 'slowCalls', slowCallDuration: 100, windowSize: 4, minimumCalls: 4 }, slow(4));
    expect(seen.map((e) => [e.to, e.reason])).toEqual([['open', 'slow_call_rate']]);
  });

  it('open with reason slow_call_rate from a count window measuring slow calls, failure_threshold for failures', () => {
    const options: CircuitBreakerOptions = { detector: 'countWindow', windowSize: 4, minimumCalls: 4, slowCallDuration: 100 };
    expect(drive(options, slow(4)).map((e) => e.reason)).toEqual(['slow_call_rate']);
    expect(drive(options, failing(4)).map((e) => e.reason)).toEqual(['failure_threshold']);
  });

  it('open with reason slow_call_rate from a time window measuring slow calls', () => {
    const options: CircuitBreakerOptions = { detector: 'rateWindow', timeWindow: 60_000, minimumCalls: 4, slowCallDuration: 100 };
    expect(drive(options, slow(4)).map((e) => e.reason)).toEqual(['slow_call_rate']);
  });

  it('open with the reason of the part that tripped in a combined detector', () => {
    const combined = () =>
      new CombinedDetector([
        new ConsecutiveFailuresDetector({ failureThreshold: 3 }),
        new SlowCallDetector({ slowCallDuration: 100, windowSize: 4, minimumCalls: 4 }),
      ]);
    expect(drive({ detector: combined }, slow(4)).map((e) => e.reason)).toEqual(['slow_call_rate']);
    expect(drive({ detector: combined }, failing(3)).map((e) => e.reason)).toEqual(['failure_threshold']);
  });
});
