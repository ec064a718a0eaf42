import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/index.js';

describe('CircuitBreaker logger option', () => {
  it('logs each transition with its reason, warn for opening and info for the rest', () => {
    let now = 0;
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const breaker = new CircuitBreaker('db', {
      registry: false,
      logger,
      clock: { now: () => now },
      failureThreshold: 1,
      successThreshold: 1,
      recoveryTimeout: 100,
    });
    expect(() =>
      breaker.call(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    now = 100;
    breaker.call(() => 1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'tripswitch: circuit "db" closed -> open (failure_threshold)',
      expect.objectContaining({ from: 'closed', to: 'open', reason: 'failure_threshold' }),
    );
    expect(logger.info.mock.calls.map((c) => c[0])).toEqual([
      'tripswitch: circuit "db" open -> half_open (recovery_timeout)',
      'tripswitch: circuit "db" half_open -> closed (trial_succeeded)',
    ]);
    expect(logger.error).not.toHaveBeenCalled();
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
});
