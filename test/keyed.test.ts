import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  type BreakerPort,
  CircuitState,
  ConsecutiveFailuresDetector,
  isCircuitOpenError,
  keyedCircuitBreaker,
  Registry,
  type StateStore,
} from '../src/index.js';
import { expectThrow, fakeClock } from './helpers.js';

/** A call that fails for the tenants in `down`, sync. */
function tenantCall(down: Set<string>) {
  return vi.fn((tenant: string, path: string): string => {
    if (down.has(tenant)) throw new Error(`${tenant} down`);
    return `${tenant}${path}`;
  });
}

/** A store that records which breakers it holds, by name. */
function recordingStore(): StateStore & { attached: Set<string> } {
  const attached = new Set<string>();
  return {
    attached,
    attach(port: BreakerPort) {
      attached.add(port.name);
      return {
        transitioned: () => {},
        requestProbe: () => {},
        detach: () => {
          attached.delete(port.name);
        },
      };
    },
  };
}

function setup(options: { maxKeys?: number; idleTtl?: number } = {}) {
  const clock = fakeClock();
  const registry = new Registry();
  const down = new Set<string>();
  const fn = tenantCall(down);
  const call = keyedCircuitBreaker(fn, { name: 'tenants', key: (tenant) => tenant, failureThreshold: 2, clock, registry, ...options });
  const fail = (tenant: string) => expectThrow(() => call(tenant, '/x'));
  return { clock, registry, down, fn, call, fail };
}

describe('keyedCircuitBreaker', () => {
  it('gives each key its own breaker: one tenant opening leaves the others closed', () => {
    const { call, down, fail } = setup();
    down.add('acme');
    fail('acme');
    fail('acme');
    expect(isCircuitOpenError(fail('acme'))).toBe(true);
    expect(call('globex', '/orders')).toBe('globex/orders');
    expect(call.breakers.get('acme')?.state).toBe(CircuitState.OPEN);
    expect(call.breakers.get('globex')?.state).toBe(CircuitState.CLOSED);
  });

  it('keeps a sync function sync and an async one async, with `this` and the arguments passed through', async () => {
    const sync = keyedCircuitBreaker(
      function (this: { base: number }, n: number) {
        return this.base + n;
      },
      { key: (n) => String(n % 2) },
    );
    expect(sync.call({ base: 10 }, 3)).toBe(13);
    const asyncCall = keyedCircuitBreaker(async (id: string) => id.toUpperCase(), { key: (id) => id });
    const result = asyncCall('a');
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe('A');
  });

  it('names each breaker name:key in the registry, so registry.health() lists every key under the group name', () => {
    const { call, registry, down, fail } = setup();
    call('acme', '/');
    down.add('globex');
    fail('globex');
    fail('globex');
    expect(registry.names()).toEqual(['tenants:acme', 'tenants:globex']);
    const report = registry.health();
    expect(report.status).toBe('degraded');
    expect(report.unhealthy).toEqual(['tenants:globex']);
  });

  it('reports the group alone, by key, in breakers.health() and breakers.status()', () => {
    const { call, down, fail } = setup();
    call('acme', '/');
    down.add('globex');
    fail('globex');
    fail('globex');
    const health = call.breakers.health();
    expect(health.status).toBe('degraded');
    expect(health.unhealthy).toEqual(['globex']);
    expect(Object.keys(health.circuits)).toEqual(['acme', 'globex']);
    const status = call.breakers.status();
    expect(status).toMatchObject({ name: 'tenants', size: 2, maxKeys: 1000, idleTtlMs: null, created: 2, evicted: 0, expired: 0 });
    expect(status.breakers.globex?.state).toBe(CircuitState.OPEN);
  });

  it('keeps at most maxKeys breakers and drops the least recently used from the registry', () => {
    const { call, registry } = setup({ maxKeys: 2 });
    call('a', '/');
    call('b', '/');
    call('a', '/'); // b is now the least recently used
    call('c', '/');
    expect(call.breakers.keys()).toEqual(['a', 'c']);
    expect(registry.names().sort()).toEqual(['tenants:a', 'tenants:c']);
    expect(call.breakers.status()).toMatchObject({ size: 2, created: 3, evicted: 1 });
  });

  it('stays within maxKeys however many keys pass', () => {
    const { call, registry } = setup({ maxKeys: 10 });
    for (let i = 0; i < 1000; i++) call(`t${i}`, '/');
    expect(call.breakers.size).toBe(10);
    expect(registry.size).toBe(10);
    expect(call.breakers.keys()).toEqual(Array.from({ length: 10 }, (_, i) => `t${990 + i}`));
  });

  it('disposes a dropped breaker, so its store forgets it', () => {
    const clock = fakeClock();
    const store = recordingStore();
    const call = keyedCircuitBreaker((id: string) => id, { name: 'hosts', key: (id) => id, maxKeys: 1, clock, store, registry: false });
    call('a');
    expect([...store.attached]).toEqual(['hosts:a']);
    call('b');
    expect([...store.attached]).toEqual(['hosts:b']);
    call.breakers.clear();
    expect(store.attached.size).toBe(0);
  });

  it('drops a key idle for idleTtl: its next call starts a fresh, closed breaker', () => {
    const { call, clock, down, fail } = setup({ idleTtl: 1000 });
    down.add('acme');
    fail('acme');
    fail('acme');
    const first = call.breakers.get('acme');
    expect(first?.state).toBe(CircuitState.OPEN);
    clock.advance(999);
    expect(isCircuitOpenError(fail('acme'))).toBe(true); // a rejected call is a use: the idle time restarts
    clock.advance(1000);
    down.delete('acme');
    expect(call('acme', '/')).toBe('acme/');
    expect(call.breakers.get('acme')).not.toBe(first);
    expect(call.breakers.get('acme')?.state).toBe(CircuitState.CLOSED);
    expect(call.breakers.status()).toMatchObject({ expired: 1, created: 2 });
  });

  it('drops every idle key lazily, without a timer, when another key arrives or the group is read', () => {
    vi.useFakeTimers();
    const { call, clock, registry } = setup({ idleTtl: 1000 });
    call('a', '/');
    clock.advance(500);
    call('b', '/');
    clock.advance(600); // a idle 1100 ms, b 600 ms
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    call('c', '/');
    expect(call.breakers.keys()).toEqual(['b', 'c']);
    expect(registry.has('tenants:a')).toBe(false);
    clock.advance(1000);
    expect(call.breakers.size).toBe(0);
    expect(registry.size).toBe(0);
  });

  it('deletes one key and clears all; a later call starts over', () => {
    const { call, registry } = setup();
    call('a', '/');
    call('b', '/');
    expect(call.breakers.delete('a')).toBe(true);
    expect(call.breakers.delete('a')).toBe(false);
    expect(registry.names()).toEqual(['tenants:b']);
    call.breakers.clear();
    expect(registry.size).toBe(0);
    expect(call('a', '/')).toBe('a/');
    expect(registry.names()).toEqual(['tenants:a']);
  });

  it('leaves a breaker of the same name that it did not create in the registry', () => {
    const { call, registry } = setup({ maxKeys: 1 });
    call('a', '/');
    call.breakers.delete('a');
    const foreign = registry.getOrCreate('tenants:a');
    call('b', '/');
    expect(registry.find('tenants:a')).toBe(foreign);
  });

  it('gives the fallback the call arguments and the error', () => {
    const fallback = vi.fn((error: unknown, tenant: string, _path: string) => `fallback ${tenant} ${isCircuitOpenError(error)}`);
    const call = keyedCircuitBreaker(
      (tenant: string, _path: string): string => {
        throw new Error(tenant);
      },
      { key: (tenant) => tenant, failureThreshold: 1, fallback },
    );
    expectThrow(() => call('a', '/'));
    expect(call('a', '/')).toBe('fallback a true');
  });

  it('runs a detector factory once per key, never for validation alone', () => {
    const factory = vi.fn(() => new ConsecutiveFailuresDetector({ failureThreshold: 1 }));
    const call = keyedCircuitBreaker((id: string) => id, { key: (id) => id, detector: factory });
    expect(factory).not.toHaveBeenCalled();
    call('a');
    call('a');
    call('b');
    expect(factory).toHaveBeenCalledTimes(2);
  });

  it('surfaces an error of the key function without running fn or creating a breaker', () => {
    const fn = vi.fn((id: string) => id);
    const call = keyedCircuitBreaker(fn, {
      key: () => {
        throw new Error('no key');
      },
    });
    expect(() => call('a')).toThrow('no key');
    expect(fn).not.toHaveBeenCalled();
    expect(call.breakers.size).toBe(0);
  });

  it('rejects a key that is not a string, naming it', () => {
    const fn = vi.fn((id: number) => id);
    const call = keyedCircuitBreaker(fn, { key: (id) => id as unknown as string });
    expect(() => call(7)).toThrow(new TypeError('Expected `key` to return a string, got `7` (number)'));
    expect(fn).not.toHaveBeenCalled();
  });

  it('validates its options at once, naming the option and the value', () => {
    const fn = (id: string) => id;
    const key = (id: string) => id;
    expect(() => keyedCircuitBreaker(fn, {} as never)).toThrow(
      new TypeError('Expected `key` to be a function, got `undefined` (undefined)'),
    );
    expect(() => keyedCircuitBreaker(fn, { key, maxKeys: 0 })).toThrow(RangeError);
    expect(() => keyedCircuitBreaker(fn, { key, maxKeys: 0 })).toThrow('`maxKeys`');
    expect(() => keyedCircuitBreaker(fn, { key, idleTtl: -1 })).toThrow('`idleTtl`');
    expect(() => keyedCircuitBreaker(fn, { key, failureThreshold: 0 })).toThrow('`failureThreshold`');
    expect(() => keyedCircuitBreaker(fn, { key, maxkeys: 5 } as never)).toThrow(/maxkeys/);
    expect(() => keyedCircuitBreaker(fn, { key, detector: new ConsecutiveFailuresDetector({ failureThreshold: 3 }) })).toThrow(
      /shared by every key/,
    );
    expect(() => keyedCircuitBreaker('nope' as never, { key })).toThrow(TypeError);
  });

  it('joins no registry when unnamed, like circuitBreaker()', () => {
    const call = keyedCircuitBreaker(
      function lookup(id: string) {
        return id;
      },
      { key: (id) => id },
    );
    call('a');
    expect(call.breakers.name).toBe('lookup');
    expect(call.breakers.get('a')?.name).toBe('lookup:a');
    expect(Registry.default.has('lookup:a')).toBe(false);
  });

  it('matches a reference LRU with idle expiry over random call sequences', () => {
    const step = fc.oneof(
      fc.record({ call: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ advance: fc.integer({ min: 0, max: 700 }) }),
      fc.record({ remove: fc.integer({ min: 0, max: 7 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 60 }), (maxKeys, steps) => {
        const { call, clock, registry } = setup({ maxKeys, idleTtl: 1000 });
        let now = 0;
        let model: { key: string; at: number }[] = []; // least recently used first
        for (const s of steps) {
          if ('advance' in s) {
            clock.advance(s.advance);
            now += s.advance;
            continue;
          }
          model = model.filter((e) => now - e.at < 1000);
          const key = `k${'call' in s ? s.call : s.remove}`;
          if ('remove' in s) {
            call.breakers.delete(key);
            model = model.filter((e) => e.key !== key);
          } else {
            call(key, '/');
            const known = model.some((e) => e.key === key);
            model = model.filter((e) => e.key !== key);
            if (!known && model.length >= maxKeys) model.shift();
            model.push({ key, at: now });
          }
          expect(call.breakers.keys()).toEqual(model.map((e) => e.key));
          expect(registry.names().sort()).toEqual(model.map((e) => `tenants:${e.key}`).sort());
        }
      }),
    );
  });
});
