import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { monotonicClock } from '../../src/clock.js';
import { type CountBatch, SharedCounter } from '../../src/storage/shared-counter.js';

interface Sent {
  readonly name: string;
  readonly batches: readonly CountBatch[];
  resolve(): void;
  reject(): void;
}

function setup(options: { window?: number; maxUnacked?: number } = {}) {
  const sent: Sent[] = [];
  const counter = new SharedCounter(
    {
      flushInterval: 100,
      window: options.window ?? 10_000,
      clock: monotonicClock,
      ...(options.maxUnacked ? { maxUnacked: options.maxUnacked } : {}),
    },
    (name, batches) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ name, batches: batches.map((b) => ({ ...b })), resolve, reject: () => reject(new Error('lost')) });
      }),
  );
  return { counter, sent };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SharedCounter', () => {
  it('arms no timer and sends nothing until an outcome is counted', async () => {
    const { counter, sent } = setup();
    counter.slot('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counter.armed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(sent).toEqual([]);
  });

  it('sends successes after one flush interval, in one command per name, then goes quiet', async () => {
    const { counter, sent } = setup();
    const a = counter.slot('a');
    const b = counter.slot('b');
    for (let i = 0; i < 1000; i++) counter.count(a, false);
    counter.count(b, false);
    expect(counter.armed).toBe(true);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => [s.name, s.batches.map(({ seq, failures, calls }) => [seq, failures, calls])])).toEqual([
      ['a', [[1, 0, 1000]]],
      // One sequence for every name of a counter.
      ['b', [[2, 0, 1]]],
    ]);
    for (const s of sent) s.resolve();
    await settle();
    expect(counter.armed).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(2);
  });

  it('sends the first failure after a quiet spell at once, and later failures once per flush interval', async () => {
    const { counter, sent } = setup();
    const a = counter.slot('a');
    for (let i = 0; i < 10; i++) counter.count(a, i % 2 === 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.batches.map(({ seq, failures, calls }) => [seq, failures, calls]))).toEqual([[[1, 5, 10]]]);
    sent[0]?.resolve();
    await vi.advanceTimersByTimeAsync(10);
    // 10 ms after a send: this failure waits for the timer, a flush interval after it was counted.
    counter.count(a, true);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    sent[1]?.resolve();
    // Quiet for a flush interval: the next first failure goes at once again.
    await vi.advanceTimersByTimeAsync(100);
    counter.count(a, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(3);
  });

  it('keeps at most one command in flight per name, sending later outcomes once it settles', async () => {
    const { counter, sent } = setup();
    const a = counter.slot('a');
    counter.count(a, false);
    await vi.advanceTimersByTimeAsync(100);
    counter.count(a, true);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toHaveLength(1);
    sent[0]?.resolve();
    await settle();
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.batches.map((b) => b.seq)).toEqual([2]);
  });

  it('resends unconfirmed batches with their own numbers beside the new one', async () => {
    const { counter, sent } = setup();
    const a = counter.slot('a');
    counter.count(a, true);
    await vi.advanceTimersByTimeAsync(0);
    sent[0]?.reject();
    await settle();
    counter.count(a, false);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent[1]?.batches.map(({ seq, failures, calls }) => [seq, failures, calls])).toEqual([
      [1, 1, 1],
      [2, 0, 1],
    ]);
    sent[1]?.resolve();
    await settle();
    expect(counter.armed).toBe(false);
  });

  it('retries once per flush interval while the backend fails, and stops once the batches leave the window', async () => {
    const { counter, sent } = setup({ window: 1000 });
    const a = counter.slot('a');
    counter.count(a, false);
    for (let i = 0; i < 30; i++) {
      await vi.advanceTimersByTimeAsync(50);
      for (const s of sent) s.reject();
      await settle();
    }
    // Formed at 100 ms, dropped at 1100 ms: sends at 100, 200, ..., 1000.
    expect(sent).toHaveLength(10);
    expect(counter.armed).toBe(false);
  });

  it('keeps at most maxUnacked batches, dropping the oldest', async () => {
    const { counter, sent } = setup({ maxUnacked: 3 });
    const a = counter.slot('a');
    for (let i = 0; i < 5; i++) {
      counter.count(a, false);
      await vi.advanceTimersByTimeAsync(100);
      for (const s of sent) s.reject();
      await settle();
    }
    expect(sent.at(-1)?.batches.map((b) => b.seq)).toEqual([3, 4, 5]);
  });

  it('forgets a removed slot and stops its timer', async () => {
    const { counter, sent } = setup();
    const a = counter.slot('a');
    counter.count(a, true);
    counter.remove(a);
    expect(counter.armed).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([]);
  });

  it('treats a send that throws like one that failed', async () => {
    let calls = 0;
    const counter = new SharedCounter({ flushInterval: 100, window: 10_000, clock: monotonicClock }, () => {
      calls++;
      throw new Error('sync');
    });
    counter.count(counter.slot('a'), true);
    // At once (a first failure), then at 100, 200 and 300 ms.
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toBe(4);
    counter.close();
    expect(counter.armed).toBe(false);
  });
});
