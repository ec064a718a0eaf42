import { afterEach, describe, expect, it, vi } from 'vitest';
import { epochOffset, fromEpochMs, toEpochMs } from '../src/clock.js';
import { fakeClock } from './helpers.js';

describe('clock conversions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('epochOffset is Date.now() minus the clock reading, read once', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
    const clock = fakeClock(500);
    expect(epochOffset(clock)).toBe(1_700_000_000_000 - 500);
    clock.advance(250);
    vi.setSystemTime(1_700_000_000_250);
    expect(epochOffset(clock)).toBe(1_700_000_000_000 - 500);
  });

  it('toEpochMs and fromEpochMs are inverses at a fixed wall time', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
    const clock = fakeClock(10_000);
    expect(fromEpochMs(clock, toEpochMs(clock, 9_000))).toBe(9_000);
  });
});
