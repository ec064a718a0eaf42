import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  type FailureDetector,
  MemoryStateStore,
  Registry,
  type StateChangeEvent,
  type StateStore,
} from '../src/index.js';
import { circuitBreaker } from '../src/wrap.js';
import { boom, deferred, expectThrow, makeBreaker, openBreaker, rejectBoom } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A store that records every transition it is told, and never shares anything. */
function recordingStore(): { store: StateStore; told: string[] } {
  const told: string[] = [];
  const store: StateStore = {
    attach: () => ({
      transitioned: (t: { from: string; to: string }) => {
        told.push(`${t.from}->${t.to}`);
      },
      requestProbe: () => {},
      detach: () => {},
    }),
  } as unknown as StateStore;
  return { store, told };
}

describe('CircuitBreaker transitions: commit first, then notify', () => {
  it('tells the store the transitions in causal order when a listener resets on open', () => {
    const { store, told } = recordingStore();
    const { breaker } = makeBreaker({ failureThreshold: 1, store });
    breaker.on('stateChange', (e) => {
      if (e.to === 'open') breaker.reset();
    });
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('closed');
    expect(told).toEqual(['closed->open', 'open->closed']);
  });

  it('delivers stateChange events in causal order to every listener when one trips re-entrantly', () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const seenByFirst: string[] = [];
    const seenBySecond: string[] = [];
    breaker.on('stateChange', (e) => {
      seenByFirst.push(`${e.from}->${e.to}`);
      if (e.to === 'open') breaker.trip();
    });
    breaker.on('stateChange', (e) => {
      seenBySecond.push(`${e.from}->${e.to}`);
      expect(breaker.state).toBe('forced_open');
    });
    expectThrow(() => breaker.call(boom));
    expect(seenByFirst).toEqual(['closed->open', 'open->forced_open']);
    expect(seenBySecond).toEqual(['closed->open', 'open->forced_open']);
  });

  it('stamps stateChange with epoch milliseconds', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_000);
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const events: StateChangeEvent[] = [];
    breaker.on('stateChange', (e) => events.push(e));
    expectThrow(() => breaker.call(boom));
    expect(events[0]?.at).toBe(1_764_000_000_000);
  });
});

describe('CircuitBreaker hook isolation', () => {
  it('does not end the process when a hook throws and nobody listens to listenerError', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { breaker } = makeBreaker({ isFailure: (e) => (e as { response: { status: number } }).response.status >= 500 });
    for (let i = 0; i < 3; i++) expectThrow(() => breaker.call(boom));
    const unhandled = vi.fn();
    process.on('uncaughtException', unhandled);
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('uncaughtException', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    expect(printed).toHaveBeenCalledTimes(1);
    expect(String(printed.mock.calls[0]?.[0])).toContain('isFailure');
    expect(breaker.status().failures).toBe(3);
  });

  it('counts a call whose isFailure throws as a failure and gives the caller the original error', () => {
    const { breaker } = makeBreaker({
      failureThreshold: 2,
      isFailure: () => {
        throw new Error('bad predicate');
      },
    });
    breaker.on('listenerError', () => {});
    const original = expectThrow(() => breaker.call(boom));
    expect((original as Error).message).toBe('boom');
    expectThrow(() => breaker.call(boom));
    expect(breaker.state).toBe('open');
  });

  it('survives a detector whose every method throws: calls keep their outcome, status() answers', () => {
    const fail = (): never => {
      throw new Error('detector bug');
    };
    const detector: FailureDetector = {
      usesDuration: false,
      onSuccess: fail,
      onFailure: fail,
      shouldTrip: fail,
      reset: fail,
      stats: fail,
      snapshot: fail,
      restore: fail,
    } as unknown as FailureDetector;
    const errors: string[] = [];
    const { breaker } = makeBreaker({ detector });
    breaker.on('listenerError', (e) => errors.push(e.event));
    expect(breaker.call(() => 'ok')).toBe('ok');
    expect((expectThrow(() => breaker.call(boom)) as Error).message).toBe('boom');
    expect(() => breaker.status()).not.toThrow();
    breaker.trip();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(errors.length).toBeGreaterThan(0);
    const registry = new Registry();
    registry.register(breaker);
    expect(() => registry.status()).not.toThrow();
    expect(() => registry.health()).not.toThrow();
  });

  it('reopens with the first backoff step when the backoff throws, and reports it', () => {
    const { breaker, clock } = makeBreaker({
      failureThreshold: 1,
      recoveryTimeout: {
        delay: (attempt: number) => {
          if (attempt > 1) throw new Error('backoff bug');
          return 1_000;
        },
      },
    });
    const reported: string[] = [];
    breaker.on('listenerError', (e) => reported.push(e.event));
    expectThrow(() => breaker.call(boom));
    clock.advance(1_000);
    expect((expectThrow(() => breaker.call(boom)) as Error).message).toBe('boom'); // the trial fails: attempt 2
    expect(breaker.state).toBe('open');
    expect(breaker.status().recoveryTimeoutMs).toBe(1_000);
    expect(reported).toEqual(['backoff']);
  });

  it('leaves nothing registered when the store refuses to attach', () => {
    const registry = new Registry();
    const store = {
      attach: () => {
        throw new Error('store down');
      },
    } as unknown as StateStore;
    expect(() => new CircuitBreaker('db', { registry, store })).toThrow('store down');
    expect(registry.has('db')).toBe(false);
  });

  it('refuses unknown events and non-function listeners', () => {
    const { breaker } = makeBreaker();
    expect(() => breaker.on('stateChanged' as 'stateChange', () => {})).toThrow(TypeError);
    expect(() => breaker.on('stateChange', 'nope' as unknown as () => void)).toThrow(TypeError);
  });

  it('refuses circuitBreaker(undefined, options) at once', () => {
    expect(() => circuitBreaker(undefined as unknown as () => void, { failureThreshold: 2 })).toThrow(TypeError);
  });
});

describe('CircuitBreaker call shapes', () => {
  it('answers callWithSignal with a promise while open, with and without a fallback', async () => {
    const { breaker } = openBreaker({ failureThreshold: 1 });
    const answer = breaker.callWithSignal(() => 1);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
    const withFallback = openBreaker({ failureThreshold: 1, fallback: () => 'f' }).breaker;
    const answer2 = withFallback.callWithSignal(() => 1);
    expect(answer2).toBeInstanceOf(Promise);
    await expect(answer2).resolves.toBe('f');
  });

  it('rejects a fresh arrow with a promise once the breaker has seen async work', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const api = (): Promise<number> => Promise.reject(new Error('down'));
    await expect(breaker.call(() => api())).rejects.toThrow('down');
    const answer = breaker.call(() => api());
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
    const obj = { m: () => api() };
    const bound = breaker.call(obj.m.bind(obj));
    expect(bound).toBeInstanceOf(Promise);
    await expect(bound).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('rejects a never-called wrapped promise function with a promise once the breaker has seen async work', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const first = breaker.wrap((): Promise<number> => Promise.reject(new Error('down')));
    const second = breaker.wrap((): Promise<number> => Promise.resolve(1));
    await expect(first()).rejects.toThrow('down');
    const answer = second();
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('answers a rejected generator call with a generator that throws when iterated, and frees the trial slot', async () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000 });
    async function* pages(): AsyncGenerator<number> {
      yield 1;
    }
    const gen = breaker.wrap(pages)();
    await expect(gen.next()).rejects.toBeInstanceOf(CircuitOpenError);
    function* rows(): Generator<number> {
      yield 1;
    }
    const rowsGen = breaker.wrap(rows)();
    expect(() => rowsGen.next()).toThrow(CircuitOpenError);
    clock.advance(1_000);
    expect([...breaker.wrap(rows)()]).toEqual([1]);
    expect(breaker.state).toBe('half_open');
    expect(breaker.status().halfOpenInFlight).toBe(0);
    expect(breaker.status().successes).toBe(0);
  });
});

describe('CircuitBreaker generator functions', () => {
  it('records nothing for an admitted generator call: iteration errors are neither success nor failure', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    async function* failingPages(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page 2 failed');
    }
    const pages = breaker.wrap(failingPages);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of pages()) seen.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
    expect(breaker.state).toBe('closed');
    expect(breaker.status()).toMatchObject({ successes: 0, failures: 0 });
  });
});

describe('CircuitBreaker fallback', () => {
  it('receives the error first, then the arguments, whatever their count', () => {
    const fallback = vi.fn((error: unknown, id: string, opts?: { fresh: boolean }) => `${id} ${String(opts)} ${(error as Error).name}`);
    const { breaker } = openBreaker({ failureThreshold: 1, fallback });
    const getUser = breaker.wrap((id: string, _opts?: { fresh: boolean }) => id);
    expect(getUser('u1')).toBe('u1 undefined CircuitOpenError');
  });

  it('can be set or replaced after creation, also by name through the registry', () => {
    const registry = new Registry();
    const breaker = new CircuitBreaker('users', { registry, failureThreshold: 1 });
    expectThrow(() => breaker.call(boom));
    breaker.setFallback(() => 'first');
    expect(breaker.call(() => 'x')).toBe('first');
    registry.setFallback('users', () => 'second');
    expect(breaker.call(() => 'x')).toBe('second');
  });
});

describe('CircuitBreaker semantics', () => {
  it('drops the votes of calls in flight when reset from closed', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const call = deferred<never>();
    const pending = breaker.call(() => call.promise);
    breaker.reset();
    call.reject(new Error('late'));
    await expect(pending).rejects.toThrow('late');
    expect(breaker.state).toBe('closed');
  });

  it('keeps the detector recording while disabled', () => {
    const { breaker } = makeBreaker({ detector: 'countWindow', windowSize: 10, minimumCalls: 1 });
    for (let i = 0; i < 3; i++) expectThrow(() => breaker.call(boom));
    breaker.disable();
    for (let i = 0; i < 20; i++) breaker.call(() => 1);
    expect(breaker.status().detector.failureRate).toBe(0);
    expect(breaker.state).toBe('disabled');
  });

  it('shows the failures that tripped the breaker while it is open', () => {
    const { breaker } = openBreaker({ failureThreshold: 3 });
    expect(breaker.status().detector.failures).toBe(3);
  });

  it('answers isOpen, isHalfOpen and isClosed', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 1_000 });
    expect([breaker.isOpen(), breaker.isHalfOpen(), breaker.isClosed()]).toEqual([true, false, false]);
    clock.advance(1_000);
    expect([breaker.isOpen(), breaker.isHalfOpen(), breaker.isClosed()]).toEqual([false, true, false]);
    breaker.trip();
    expect(breaker.isOpen()).toBe(true);
    breaker.reset();
    expect(breaker.isClosed()).toBe(true);
  });

  it('snapshots and restores exactly even when the wall clock ticks between reads', () => {
    let wall = 1_764_000_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => wall++);
    const { breaker } = openBreaker({ failureThreshold: 1, recoveryTimeout: 20_000 });
    const snap = breaker.snapshot();
    expect((snap.until as number) - snap.since).toBe(20_000);
    const again = makeBreaker({ initialState: snap }).breaker;
    expect(again.status().recoveryTimeoutMs).toBe(20_000);
  });
});

describe('MemoryStateStore with re-entrant listeners', () => {
  it('keeps peers in the state of the breaker that reset itself on open', () => {
    const store = new MemoryStateStore();
    const a = makeBreaker({ failureThreshold: 1, store }, 'shared').breaker;
    const b = makeBreaker({ failureThreshold: 1, store }, 'shared').breaker;
    a.on('stateChange', (e) => {
      if (e.to === 'open') a.reset();
    });
    expectThrow(() => a.call(boom));
    expect(a.state).toBe('closed');
    expect(b.state).toBe('closed');
    void rejectBoom;
  });
});

describe('CircuitBreaker store callbacks', () => {
  it('keeps deciding when the store throws on requestProbe, and asks again on the next call', () => {
    let asked = 0;
    let grant: (() => boolean) | undefined;
    const store = {
      attach: (port: { grantProbe(): boolean }) => {
        grant = () => port.grantProbe();
        return {
          transitioned: () => {},
          requestProbe: () => {
            asked++;
            if (asked === 1) throw new Error('store down');
          },
          detach: () => {
            throw new Error('detach broke');
          },
        };
      },
    } as unknown as StateStore;
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, recoveryTimeout: 100, store });
    const reported: string[] = [];
    breaker.on('listenerError', (e) => reported.push(e.event));
    expectThrow(() => breaker.call(boom));
    clock.advance(100);
    expect(expectThrow(() => breaker.call(() => 1))).toBeInstanceOf(CircuitOpenError);
    expect(expectThrow(() => breaker.call(() => 1))).toBeInstanceOf(CircuitOpenError);
    expect(asked).toBe(2);
    grant?.();
    expect(breaker.call(() => 'trial')).toBe('trial');
    expect(() => breaker.dispose()).not.toThrow();
    expect(reported).toEqual(['store.requestProbe', 'store.detach']);
  });
});

describe('CircuitBreaker admission after a re-entrant transition', () => {
  it('runs a call when a listener resets the breaker that a timed-out trial just reopened', () => {
    const { breaker, clock } = openBreaker({ failureThreshold: 1, recoveryTimeout: 100, halfOpenMaxWait: 50 });
    clock.advance(100);
    void breaker.call(() => new Promise(() => {})); // a trial that hangs
    breaker.on('stateChange', (e) => {
      if (e.reason === 'trial_timed_out') breaker.reset();
    });
    clock.advance(50);
    expect(breaker.call(() => 'ran')).toBe('ran');
    expect(breaker.state).toBe('closed');
  });
});
