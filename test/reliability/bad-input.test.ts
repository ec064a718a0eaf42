import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  circuitBreaker,
  isCircuitOpenError,
  type ListenerErrorEvent,
  Registry,
} from '../../src/index.js';

/*
 * Bad input, one table: each row is what a careless or hostile caller might pass, the documented
 * outcome (the same words appear in RELIABILITY.md), and a check of that outcome. No row may leave an
 * unhandled rejection behind. PRINT_TABLE=1 prints the table as Markdown.
 */

interface Row {
  readonly input: string;
  readonly outcome: string;
  readonly check: () => void | Promise<void>;
}

let now = 0;
const clock = { now: () => now };
const make = (options: Record<string, unknown> = {}): CircuitBreaker =>
  new CircuitBreaker('bad-input', { registry: false, clock, ...(options as CircuitBreakerOptions) });

/** A breaker just opened by one failure; {@link settleHalfOpen} moves it to half-open with one trial slot. */
function halfOpen(options: Record<string, unknown> = {}): CircuitBreaker {
  const breaker = make({ failureThreshold: 1, recoveryTimeout: 10, successThreshold: 1, ...options });
  expect(() =>
    breaker.call(() => {
      throw new Error('down');
    }),
  ).toThrow('down');
  return breaker;
}

async function settleHalfOpen(breaker: CircuitBreaker): Promise<void> {
  expect(breaker.state).toBe('open');
  now += 10;
  expect(breaker.state).toBe('half_open');
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function rejects(options: unknown, Kind: typeof TypeError, ...fragments: string[]): () => void {
  return () => {
    let error: unknown;
    try {
      new CircuitBreaker(
        'bad-input',
        typeof options === 'object' && options !== null ? { registry: false, ...options } : (options as never),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Kind);
    expect(error?.constructor).toBe(Kind);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
  };
}

/** Captures what the emitter prints with console.error when nobody listens to `listenerError`, each as a function that throws it. */
function capturePrintedHookErrors(): Array<() => void> {
  const queued: Array<() => void> = [];
  vi.spyOn(console, 'error').mockImplementation((_message: unknown, error: unknown) => {
    queued.push(() => {
      throw error;
    });
  });
  return queued;
}

const optionRows: Row[] = [
  ['`options` = `null`', null, TypeError, '`options`', 'an object'],
  ['`options` = `"fast"`', 'fast', TypeError, '`options`'],
  ['`failureThreshold` = `"5"`', { failureThreshold: '5' }, TypeError, '`failureThreshold`', 'positive integer', '"5"'],
  ['`failureThreshold` = `NaN`', { failureThreshold: Number.NaN }, RangeError, '`failureThreshold`', 'NaN'],
  ['`failureThreshold` = `Infinity`', { failureThreshold: Number.POSITIVE_INFINITY }, RangeError, '`failureThreshold`', 'Infinity'],
  ['`failureThreshold` = `-1`', { failureThreshold: -1 }, RangeError, '`failureThreshold`'],
  ['`failureThreshold` = `0`', { failureThreshold: 0 }, RangeError, '`failureThreshold`'],
  ['`failureThreshold` = `2.5`', { failureThreshold: 2.5 }, RangeError, '`failureThreshold`'],
  ['`successThreshold` = `null`', { successThreshold: null }, TypeError, '`successThreshold`'],
  ['`successThreshold` = `0`', { successThreshold: 0 }, RangeError, '`successThreshold`'],
  ['`successThreshold` = `NaN`', { successThreshold: Number.NaN }, RangeError, '`successThreshold`'],
  ['`halfOpenMaxCalls` = `"1"`', { halfOpenMaxCalls: '1' }, TypeError, '`halfOpenMaxCalls`'],
  ['`halfOpenMaxCalls` = `0`', { halfOpenMaxCalls: 0 }, RangeError, '`halfOpenMaxCalls`'],
  ['`halfOpenMaxCalls` = `Infinity`', { halfOpenMaxCalls: Number.POSITIVE_INFINITY }, RangeError, '`halfOpenMaxCalls`'],
  ['`recoveryTimeout` = `"60s"`', { recoveryTimeout: '60s' }, TypeError, '`recoveryTimeout`', 'milliseconds'],
  ['`recoveryTimeout` = `-1`', { recoveryTimeout: -1 }, RangeError, '`recoveryTimeout`'],
  ['`recoveryTimeout` = `NaN`', { recoveryTimeout: Number.NaN }, RangeError, '`recoveryTimeout`'],
  ['`recoveryTimeout` = `Infinity`', { recoveryTimeout: Number.POSITIVE_INFINITY }, RangeError, '`recoveryTimeout`'],
  ['`recordErrors` = `Error` (not an array)', { recordErrors: Error }, TypeError, '`recordErrors`', 'array of error classes'],
  ['`recordErrors` = `["TypeError"]`', { recordErrors: ['TypeError'] }, TypeError, '`recordErrors`'],
  ['`ignoreErrors` = `[() => {}]` (not a constructor)', { ignoreErrors: [() => {}] }, TypeError, '`ignoreErrors`'],
  ['`isFailure` = `true`', { isFailure: true }, TypeError, '`isFailure`', 'a function'],
  ['`isResultFailure` = `"503"`', { isResultFailure: '503' }, TypeError, '`isResultFailure`'],
  ['`fallback` = `{}`', { fallback: {} }, TypeError, '`fallback`'],
  ['`fallbackOn` = `"all"`', { fallbackOn: 'all' }, TypeError, '`fallbackOn`', "'rejected', 'any'"],
  ['`kind` = `"promise"`', { kind: 'promise' }, TypeError, '`kind`', "'auto', 'sync', 'async'"],
  ['`detector` = `{}`', { detector: {} }, TypeError, '`detector`', 'FailureDetector'],
  ['`clock` = `Date.now` (a function, not a clock)', { clock: Date.now }, TypeError, '`clock`', 'now()'],
  ['`clock.now()` returns `NaN`', { clock: { now: () => Number.NaN } }, TypeError, '`clock`', 'finite number'],
  ['`clock.now()` returns a string', { clock: { now: () => '0' } }, TypeError, '`clock`', 'finite number'],
  ['`onStateChange` = `"log"`', { onStateChange: 'log' }, TypeError, '`onStateChange`'],
  ['`registry` = `null`', { registry: null }, TypeError, '`registry`'],
  ['`registry` = `{}`', { registry: {} }, TypeError, '`registry`'],
  ['`captureStackTrace` = `"yes"`', { captureStackTrace: 'yes' }, TypeError, '`captureStackTrace`', 'boolean'],
  [
    '`timeout` = `2592000000` (30 days: a timer would fire after 1 ms)',
    { timeout: 2_592_000_000 },
    RangeError,
    '`timeout`',
    '2592000000',
    '2147483647',
  ],
  ['`recoveryTimeout` = `2592000000` (30 days)', { recoveryTimeout: 2_592_000_000 }, RangeError, '`recoveryTimeout`', '2147483647'],
  [
    '`windowSize` = `5e8` (would allocate 480 MiB)',
    { detector: 'countWindow', windowSize: 5e8 },
    RangeError,
    '`windowSize`',
    '500000000',
    '100000',
  ],
  [
    '`failureThreshold` = `2**53-1` with `timeWindow`',
    { detector: 'timeWindow', failureThreshold: 2 ** 53 - 1 },
    RangeError,
    '`failureThreshold`',
    '100000',
  ],
  [
    '`timeWindow` = `0.001` (buckets narrower than 1 ms)',
    { detector: 'rateWindow', timeWindow: 0.001 },
    RangeError,
    '`timeWindow`',
    '0.001',
  ],
  [
    '`timeWindow` = `5` with `windowBuckets` = `10`',
    { detector: 'rateWindow', timeWindow: 5, windowBuckets: 10 },
    RangeError,
    '`timeWindow`',
    '`windowBuckets`',
  ],
  ['`name` option differing from the breaker name', { name: 'other' }, TypeError, '`name`', '"bad-input"', '"other"'],
  ['unknown option `failureTreshold` (typo)', { failureTreshold: 3 }, TypeError, '`failureTreshold`', 'did you mean `failureThreshold`'],
  ['unknown option `retries`', { retries: 3 }, TypeError, '`retries`', 'known options are'],
].map(([input, options, Kind, ...fragments]) => ({
  input: input as string,
  outcome: (input as string).startsWith('unknown option')
    ? 'TypeError at construction naming the unknown option, the closest known name (if any) and every known option'
    : `${(Kind as typeof TypeError).name} at construction naming the option, the value and what is allowed`,
  check: rejects(options, Kind as typeof TypeError, ...(fragments as string[])),
}));

class Ignored extends Error {}

const callRows: Row[] = [
  {
    input: 'breaker name `""`, `"  "` or `42`',
    outcome: 'TypeError at construction: `name` must be a non-empty string',
    check() {
      for (const name of ['', '  ', 42]) expect(() => new CircuitBreaker(name as string, { registry: false })).toThrow(TypeError);
    },
  },
  {
    input: '`circuitBreaker(42)`',
    outcome: 'TypeError: expects a function to wrap, or decorator options',
    check() {
      expect(() => circuitBreaker(42 as never)).toThrow(TypeError);
    },
  },
  {
    input: '`registry.register({})` (not a breaker)',
    outcome: 'TypeError naming `breaker`; nothing is registered',
    check() {
      const registry = new Registry();
      expect(() => registry.register({} as never)).toThrow(/`breaker`/);
      expect(registry.size).toBe(0);
    },
  },
  {
    input: 'custom backoff `delay()` returns `Infinity`, `NaN` or more than 2^31 - 1 ms',
    outcome: 'the step is clamped to 2147483647 ms (the longest allowed), never 0: the breaker stays open',
    check() {
      for (const step of [Number.POSITIVE_INFINITY, Number.NaN, 1e12]) {
        const b = make({ failureThreshold: 1, recoveryTimeout: { delay: () => step } });
        expect(() =>
          b.call(() => {
            throw new Error('down');
          }),
        ).toThrow('down');
        now += 1;
        expect(b.status()).toMatchObject({ state: 'open', recoveryTimeoutMs: 2 ** 31 - 1 });
      }
    },
  },
  {
    input: '`breaker.call(42)` / `breaker.call({})` / `breaker.wrap(null)`',
    outcome: 'TypeError before anything runs; nothing is counted',
    check() {
      const b = make();
      expect(() => b.call(42 as unknown as () => void)).toThrow(/Expected `fn` to be a function/);
      expect(() => b.call({} as unknown as () => void)).toThrow(/Expected `fn` to be a function/);
      expect(() => b.wrap(null as never)).toThrow(/Expected `fn` to be a function/);
      expect(b.status()).toMatchObject({ failures: 0, successes: 0, state: 'closed' });
    },
  },
  {
    input: 'function returns a plain value (not a promise)',
    outcome: 'the value is returned as is, synchronously, and counts as a success (sync stays sync)',
    check() {
      const b = make();
      const double = b.wrap((x: number) => x * 2);
      expect(double(21)).toBe(42);
      expect(b.status().successes).toBe(1);
    },
  },
  {
    input: "`kind: 'async'` but the function throws synchronously or returns a plain value",
    outcome: 'the function’s own answer passes through unchanged (a sync throw stays a throw); `kind` shapes only the breaker’s rejections',
    async check() {
      const b = make({ kind: 'async', failureThreshold: 1 });
      const original = new Error('sync throw');
      expect(() =>
        b.call(() => {
          throw original;
        }),
      ).toThrow(original);
      b.reset();
      expect(b.call(() => 5)).toBe(5);
      b.trip();
      await expect(b.call(() => 5)).rejects.toSatisfy(isCircuitOpenError);
    },
  },
  {
    input: '`isFailure` returns a non-boolean (`undefined`, `0`)',
    outcome: 'the error counts as a failure: only `false` ignores it',
    check() {
      for (const answer of [undefined, 0]) {
        const b = make({ isFailure: () => answer as unknown as boolean });
        expect(() =>
          b.call(() => {
            throw new Error('down');
          }),
        ).toThrow('down');
        expect(b.status()).toMatchObject({ failures: 1, ignored: 0 });
      }
    },
  },
  {
    input: '`isResultFailure` returns a truthy non-boolean (`1`, `"yes"`)',
    outcome: 'the result counts as a success: only `true` marks it failed',
    check() {
      for (const answer of [1, 'yes']) {
        const b = make({ isResultFailure: () => answer as unknown as boolean });
        expect(b.call(() => 'result')).toBe('result');
        expect(b.status()).toMatchObject({ successes: 1, failures: 0 });
      }
    },
  },
  {
    input: 'function returns a non-native thenable',
    outcome: 'treated as async: the caller gets a native promise of its value; the outcome is recorded when it settles',
    async check() {
      const b = make();
      // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the input under test
      const answer = b.call(() => ({ then: (resolve: (v: number) => void) => resolve(7) }));
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).resolves.toBe(7);
      expect(b.status().successes).toBe(1);
    },
  },
  {
    input: 'thenable that resolves, then rejects, then resolves again',
    outcome: 'only the first settlement counts (one success)',
    async check() {
      const b = make();
      const answer = b.call(() => ({
        // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the input under test
        then(resolve: (v: string) => void, reject: (e: Error) => void) {
          resolve('first');
          reject(new Error('late'));
          resolve('again');
        },
      }));
      await expect(answer).resolves.toBe('first');
      expect(b.status()).toMatchObject({ successes: 1, failures: 0 });
    },
  },
  {
    input: 'thenable whose `then` throws',
    outcome: 'the thrown value rejects the caller’s promise and counts as a failure',
    async check() {
      const b = make();
      const boom = new Error('then exploded');
      await expect(
        b.call(() => ({
          // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the input under test
          then() {
            throw boom;
          },
        })),
      ).rejects.toBe(boom);
      expect(b.status().failures).toBe(1);
    },
  },
  {
    input: 'result whose `then` getter throws',
    outcome: 'the getter’s error is thrown to the caller and counts as a failure; a half-open trial slot is freed',
    async check() {
      const boom = new Error('getter exploded');
      const hostile = () =>
        Object.defineProperty({}, 'then', {
          get() {
            throw boom;
          },
        });
      const b = halfOpen();
      await settleHalfOpen(b);
      expect(() => b.call(hostile)).toThrow(boom);
      expect(b.status()).toMatchObject({ state: 'open', halfOpenInFlight: 0 });
      const closed = make();
      expect(() => closed.call(hostile)).toThrow(boom);
      expect(closed.status().failures).toBe(1);
    },
  },
  {
    input: 'thenable that never settles',
    outcome:
      'the caller’s promise stays pending; closed: nothing is held; half-open: it holds its trial slot (further calls are rejected) until the state changes (`reset()`, `trip()`)',
    async check() {
      const b = halfOpen();
      await settleHalfOpen(b);
      const never = b.call(() => new Promise(() => {}));
      expect(never).toBeInstanceOf(Promise);
      await expect(b.call(async () => 'next')).rejects.toSatisfy(isCircuitOpenError);
      expect(b.status().halfOpenInFlight).toBe(1);
      b.reset();
      await expect(b.call(async () => 'after reset')).resolves.toBe('after reset');
    },
  },
  ...(
    [
      ['throws a string `"boom"`', () => 'boom'],
      ['throws `undefined`', () => undefined],
      ['throws `null`', () => null],
      [
        'throws an object whose `message` getter throws',
        () =>
          Object.defineProperty({}, 'message', {
            get() {
              throw new Error('no message for you');
            },
          }),
      ],
    ] as const
  ).map(
    ([input, build]): Row => ({
      input: `function ${input}`,
      outcome: 'counted as a failure and rethrown unchanged (same value), sync and async',
      async check() {
        const thrown = build();
        const b = make({ failureThreshold: 2, ignoreErrors: [Ignored] });
        let caught: unknown = 'nothing';
        try {
          b.call(() => {
            throw thrown;
          });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBe(thrown);
        await expect(b.call(async () => Promise.reject(thrown))).rejects.toBe(thrown);
        expect(b.status()).toMatchObject({ failures: 2, state: 'open' });
      },
    }),
  ),
  {
    input: 'thrown value whose prototype lookup throws (a hostile Proxy) with `ignoreErrors` set',
    outcome: 'counted as a failure and rethrown unchanged; the classification error goes to `listenerError`',
    async check() {
      const hostile = new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new Error('no prototype for you');
          },
        },
      );
      const reported: ListenerErrorEvent[] = [];
      const b = halfOpen({ ignoreErrors: [Ignored] });
      b.on('listenerError', (e) => reported.push(e));
      await settleHalfOpen(b);
      await expect(b.call(() => Promise.reject(hostile))).rejects.toBe(hostile);
      expect(b.status()).toMatchObject({ state: 'open', halfOpenInFlight: 0 });
      expect(reported.map((r) => r.event)).toEqual(['ignoreErrors']);
    },
  },
  {
    input: '`isFailure` throws',
    outcome: 'the error counts as a failure; the predicate’s error goes to `listenerError` (or `console.error`, never rethrown)',
    async check() {
      const predicateError = new Error('predicate broke');
      const reported: ListenerErrorEvent[] = [];
      const b = make({
        isFailure: () => {
          throw predicateError;
        },
      });
      b.on('listenerError', (e) => reported.push(e));
      const original = new Error('original');
      await expect(b.call(async () => Promise.reject(original))).rejects.toBe(original);
      expect(b.status().failures).toBe(1);
      expect(reported).toEqual([{ name: 'bad-input', event: 'isFailure', error: predicateError }]);
    },
  },
  {
    input: '`isResultFailure` throws',
    outcome:
      'the result is returned and counts as a success; the predicate’s error goes to `listenerError` (or `console.error`, never rethrown)',
    check() {
      const queued = capturePrintedHookErrors();
      const predicateError = new Error('predicate broke');
      const b = make({
        isResultFailure: () => {
          throw predicateError;
        },
      });
      expect(b.call(() => 'result')).toBe('result');
      expect(b.status().successes).toBe(1);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toThrow(predicateError);
    },
  },
  {
    input: 'fallback throws (sync function, breaker open)',
    outcome: 'the fallback’s error is thrown, with the `CircuitOpenError` as its `cause`; `fn` does not run',
    check() {
      const fallbackError = new Error('fallback broke');
      const b = make({
        fallback: () => {
          throw fallbackError;
        },
      });
      b.trip();
      const fn = vi.fn(() => 1);
      expect(() => b.call(fn)).toThrow(fallbackError);
      expect(fallbackError.cause).toSatisfy(isCircuitOpenError);
      expect(fn).not.toHaveBeenCalled();
    },
  },
  {
    input: 'fallback returns a rejected promise (async function, breaker open)',
    outcome: 'the caller’s promise rejects with the fallback’s error, `cause` set to the `CircuitOpenError`',
    async check() {
      const fallbackError = new Error('fallback rejected');
      const b = make({ fallback: () => Promise.reject(fallbackError), kind: 'async' });
      b.trip();
      await expect(b.call(async () => 1)).rejects.toBe(fallbackError);
      expect(fallbackError.cause).toSatisfy(isCircuitOpenError);
    },
  },
  {
    input: 'fallback throws a string or a frozen object',
    outcome: 'surfaces unchanged (no `cause` can be attached)',
    check() {
      const frozen = Object.freeze({ reason: 'frozen' });
      for (const thrown of ['fallback string', frozen]) {
        const b = make({
          fallback: () => {
            throw thrown;
          },
        });
        b.trip();
        let caught: unknown;
        try {
          b.call(() => 1);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBe(thrown);
      }
    },
  },
  {
    input: '`stateChange` listener throws, `listenerError` listened to',
    outcome: 'the call’s outcome and the transition are unchanged; `listenerError` receives `{ event: "stateChange", error }`',
    check() {
      const listenerFailure = new Error('listener broke');
      const reported: ListenerErrorEvent[] = [];
      const b = make({ failureThreshold: 1 });
      b.on('stateChange', () => {
        throw listenerFailure;
      });
      b.on('listenerError', (e) => reported.push(e));
      const original = new Error('down');
      expect(() =>
        b.call(() => {
          throw original;
        }),
      ).toThrow(original);
      expect(b.state).toBe('open');
      expect(reported).toEqual([{ name: 'bad-input', event: 'stateChange', error: listenerFailure }]);
    },
  },
  {
    input: '`onStateChange` option throws, nobody listens to `listenerError`',
    outcome: 'the call’s outcome and the transition are unchanged; the error is printed with `console.error` (never lost, never rethrown)',
    check() {
      const queued = capturePrintedHookErrors();
      const listenerFailure = new Error('onStateChange broke');
      const b = make({
        failureThreshold: 1,
        onStateChange: () => {
          throw listenerFailure;
        },
      });
      expect(() =>
        b.call(() => {
          throw new Error('down');
        }),
      ).toThrow('down');
      expect(b.state).toBe('open');
      expect(queued).toHaveLength(1);
      expect(queued[0]).toThrow(listenerFailure);
    },
  },
  {
    input: '`listenerError` listener itself throws',
    outcome: 'its error is printed with `console.error`; no loop, the call is unaffected',
    check() {
      const queued = capturePrintedHookErrors();
      const secondFailure = new Error('listenerError listener broke');
      const b = make();
      b.on('success', () => {
        throw new Error('success listener broke');
      });
      b.on('listenerError', () => {
        throw secondFailure;
      });
      expect(b.call(() => 'ok')).toBe('ok');
      expect(queued).toHaveLength(1);
      expect(queued[0]).toThrow(secondFailure);
    },
  },
];

/** Every row, in the order RELIABILITY.md lists them. */
const badInputRows: readonly Row[] = [...optionRows, ...callRows];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

describe('CircuitBreaker (bad input)', () => {
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
    if (process.env.PRINT_TABLE === '1') {
      console.log(['| Input | Outcome |', '| --- | --- |', ...badInputRows.map((r) => `| ${r.input} | ${r.outcome} |`)].join('\n'));
    }
  });
  afterEach(async () => {
    await flush();
    now = 0;
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it.each(badInputRows)('$input: $outcome', async (row) => {
    unhandled.length = 0;
    await row.check();
    await flush();
    expect(unhandled).toEqual([]);
  });

  it('is documented row by row in RELIABILITY.md', () => {
    const doc = readFileSync(new URL('../../RELIABILITY.md', import.meta.url), 'utf8');
    // Cells are compared trimmed: the formatter pads Markdown tables.
    const documented = new Set(
      doc
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .map((line) =>
          line
            .split('|')
            .slice(1, 3)
            .map((cell) => cell.trim())
            .join('\u0000'),
        ),
    );
    const missing = badInputRows.filter((r) => !documented.has(`${r.input}\u0000${r.outcome}`)).map((r) => r.input);
    expect(missing).toEqual([]);
  });
});
