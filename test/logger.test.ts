import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type TransitionLogFields } from '../src/index.js';
import { formatDuration } from '../src/logger.js';
import { boom, expectThrow, fakeClock } from './helpers.js';

describe('CircuitBreaker logger option', () => {
  it('logs lines a person reads: what happened, the figures, the reason, and when it retries', () => {
    const clock = fakeClock();
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const breaker = new CircuitBreaker('payments', { registry: false, logger, clock, recoveryTimeout: 30_000, successThreshold: 2 });
    for (let i = 0; i < 5; i++) expectThrow(() => breaker.call(boom));
    clock.advance(30_000);
    breaker.call(() => 1);
    breaker.call(() => 1);
    expect(logger.warn.mock.calls.map((c) => c[0])).toEqual([
      'circuit "payments" OPEN after 5/5 failures (failure_threshold); retry in 30 s',
    ]);
    expect(logger.info.mock.calls.map((c) => c[0])).toEqual([
      'circuit "payments" HALF_OPEN (recovery_timeout); letting 1 trial call through',
      'circuit "payments" CLOSED after 2 successful trial calls (trial_succeeded)',
    ]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('passes structured fields beside the line for pino or winston', () => {
    const clock = fakeClock();
    const logger = { info: vi.fn(), warn: vi.fn() };
    const breaker = new CircuitBreaker('db', { registry: false, logger, clock, failureThreshold: 2, recoveryTimeout: 1_500 });
    for (let i = 0; i < 2; i++) expectThrow(() => breaker.call(boom));
    const [message, fields] = logger.warn.mock.calls[0] as [string, TransitionLogFields];
    expect(message).toBe('circuit "db" OPEN after 2/2 failures (failure_threshold); retry in 1.5 s');
    expect(fields).toMatchObject({
      circuit: 'db',
      name: 'db',
      from: 'closed',
      to: 'open',
      reason: 'failure_threshold',
      retryInMs: 1_500,
      detector: { failures: 2 },
    });
    expect(typeof fields.at).toBe('number');
  });

  it('says a rate window opened at its failure rate, and a slow-call trip at its slow-call rate', () => {
    const clock = fakeClock();
    const logger = { info: vi.fn(), warn: vi.fn() };
    const rated = new CircuitBreaker('search', { registry: false, logger, clock, detector: 'countWindow', windowSize: 4, minimumCalls: 4 });
    rated.call(() => 1);
    for (let i = 0; i < 3; i++) expectThrow(() => rated.call(boom));
    const slow = new CircuitBreaker('reports', {
      registry: false,
      logger,
      clock,
      detector: 'slowCalls',
      slowCallDuration: 100,
      windowSize: 2,
      minimumCalls: 2,
      recoveryTimeout: 120_000,
    });
    for (let i = 0; i < 2; i++) slow.call(() => clock.advance(200));
    expect(logger.warn.mock.calls.map((c) => c[0])).toEqual([
      'circuit "search" OPEN at 75% failures over 4 calls (failure_threshold); retry in 1 min',
      'circuit "reports" OPEN at 100% slow calls over 2 calls (slow_call_rate); retry in 2 min',
    ]);
  });

  it('names manual and failed-trial transitions in words', () => {
    const clock = fakeClock();
    const logger = { info: vi.fn(), warn: vi.fn() };
    const breaker = new CircuitBreaker('mail', { registry: false, logger, clock, failureThreshold: 1, recoveryTimeout: 100 });
    expectThrow(() => breaker.call(boom));
    clock.advance(100);
    expectThrow(() => breaker.call(boom));
    breaker.trip();
    breaker.disable();
    breaker.reset();
    expect([...logger.warn.mock.calls, ...logger.info.mock.calls].map((c) => c[0])).toEqual([
      'circuit "mail" OPEN after 1/1 failures (failure_threshold); retry in 100 ms',
      'circuit "mail" OPEN again: the trial call failed (trial_failed); retry in 100 ms',
      'circuit "mail" FORCED_OPEN (manual_trip); rejecting every call until reset()',
      'circuit "mail" HALF_OPEN (recovery_timeout); letting 1 trial call through',
      'circuit "mail" DISABLED (manual_disable); letting every call through until reset()',
      'circuit "mail" CLOSED (manual_reset), was DISABLED',
    ]);
  });

  it('logs nothing when no logger is set', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    new CircuitBreaker('quiet', { registry: false }).trip();
    expect(warn).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
  });

  it('reports a throwing logger as a listener error without changing the call', () => {
    const errors: unknown[] = [];
    const boom = new Error('log sink down');
    const breaker = new CircuitBreaker('noisy', {
      registry: false,
      failureThreshold: 1,
      logger: {
        info: () => {},
        warn: () => {
          throw boom;
        },
      },
    });
    breaker.on('listenerError', (e) => errors.push(e.error));
    expect(() =>
      breaker.call(() => {
        throw new Error('call');
      }),
    ).toThrow('call');
    expect(breaker.state).toBe('open');
    expect(errors).toEqual([boom]);
  });

  it('rejects a logger without info and warn', () => {
    expect(() => new CircuitBreaker('bad', { registry: false, logger: { info: () => {} } as never })).toThrow(
      /Expected `logger` to be an object with info\(\) and warn\(\)/,
    );
  });

  it('formats durations for people', () => {
    expect([250, 1_000, 1_500, 30_000, 90_000, 5_400_000].map(formatDuration)).toEqual([
      '250 ms',
      '1 s',
      '1.5 s',
      '30 s',
      '1.5 min',
      '90 min',
    ]);
  });
});
