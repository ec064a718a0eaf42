import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/breaker.js';
import type { StateChangeEvent } from '../src/events.js';
import { fakeClock } from './helpers.js';

function openBreaker(options: { halfOpenMaxWait?: number; successThreshold?: number } = {}) {
  const clock = fakeClock();
  const events: StateChangeEvent[] = [];
  const breaker = new CircuitBreaker('hw', { registry: false, clock, failureThreshold: 1, recoveryTimeout: 1000, ...options });
  breaker.on('stateChange', (e) => events.push(e));
  expect(() =>
    breaker.call(() => {
      throw new Error('x');
    }),
  ).toThrow('x');
  clock.advance(1000);
  return { breaker, clock, events };
}

describe('CircuitBreaker halfOpenMaxWait', () => {
  it('reopens a half-open breaker whose trial hangs past halfOpenMaxWait, with the next backoff step', async () => {
    const { breaker, clock, events } = openBreaker({ halfOpenMaxWait: 500 });
    const hung = breaker.call(() => new Promise<never>(() => {}));
    expect(breaker.state).toBe('half_open');
    await expect(breaker.call(async () => 'second')).rejects.toMatchObject({ name: 'CircuitOpenError', state: 'half_open' });
    clock.advance(499);
    expect(breaker.state).toBe('half_open');
    clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(events.at(-1)).toMatchObject({ from: 'half_open', to: 'open', reason: 'trial_timed_out' });
    expect(breaker.status().timeUntilRecoveryMs).toBe(1000);
    void hung;
  });

  it('does not count a trial outcome that arrives after the wait ran out, even with no call in between', async () => {
    const { breaker, clock, events } = openBreaker({ halfOpenMaxWait: 500, successThreshold: 1 });
    let settle: (value: string) => void = () => {};
    const late = breaker.call(() => new Promise<string>((resolve) => (settle = resolve)));
    clock.advance(500);
    settle('late');
    await expect(late).resolves.toBe('late');
    expect(events.at(-1)).toMatchObject({ from: 'half_open', to: 'open', reason: 'trial_timed_out' });
    expect(breaker.state).toBe('open');
  });

  it('checks the wait lazily on the next call, which is rejected', async () => {
    const { breaker, clock } = openBreaker({ halfOpenMaxWait: 500 });
    breaker.call(() => new Promise<never>(() => {}));
    clock.advance(600);
    await expect(breaker.call(async () => 1)).rejects.toMatchObject({ state: 'open', retryAfterMs: 1000 });
  });

  it('drops the late outcome of a trial that timed out', async () => {
    const { breaker, clock } = openBreaker({ halfOpenMaxWait: 500 });
    let finish!: (v: string) => void;
    const late = breaker.call(() => new Promise<string>((r) => (finish = r)));
    clock.advance(500);
    expect(breaker.state).toBe('open');
    finish('late');
    await expect(late).resolves.toBe('late');
    expect(breaker.state).toBe('open');
  });

  it('measures the wait from the last outcome, so a slow series of good trials is not cut short', async () => {
    const { breaker, clock } = openBreaker({ halfOpenMaxWait: 500, successThreshold: 3 });
    for (let i = 0; i < 2; i++) {
      await breaker.call(async () => 'ok');
      clock.advance(400);
    }
    expect(breaker.state).toBe('half_open');
    const third = breaker.call(async () => 'ok');
    clock.advance(400); // 1200 ms since half-open began, 400 ms since this trial started
    expect(breaker.state).toBe('half_open');
    await third;
    expect(breaker.state).toBe('closed');
  });

  it('leaves a half-open breaker with no trial in flight alone', () => {
    const { breaker, clock } = openBreaker({ halfOpenMaxWait: 500 });
    expect(breaker.state).toBe('half_open');
    clock.advance(10_000);
    expect(breaker.state).toBe('half_open');
  });

  it('waits for a hung trial forever without the option', () => {
    const { breaker, clock } = openBreaker();
    breaker.call(() => new Promise<never>(() => {}));
    clock.advance(1_000_000);
    expect(breaker.state).toBe('half_open');
  });
});
