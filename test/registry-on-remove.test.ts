import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, MemoryStateStore, Registry } from '../src/index.js';

describe('Registry.onRemove', () => {
  it('tells listeners about a deleted breaker after it is gone, once', () => {
    const registry = new Registry();
    const breaker = new CircuitBreaker('gone', { registry });
    const seen: [string, boolean][] = [];
    registry.onRemove((b) => seen.push([b.name, registry.has(b.name)]));
    expect(registry.delete('gone')).toBe(true);
    expect(registry.delete('gone')).toBe(false);
    expect(seen).toEqual([['gone', false]]);
    expect(breaker.state).toBe('closed');
  });

  it('tells listeners about every breaker on clear(), and not after unsubscribing', () => {
    const registry = new Registry();
    new CircuitBreaker('a', { registry });
    new CircuitBreaker('b', { registry });
    const listener = vi.fn();
    const off = registry.onRemove(listener);
    registry.clear();
    expect(listener.mock.calls.map(([b]) => (b as CircuitBreaker).name)).toEqual(['a', 'b']);
    off();
    new CircuitBreaker('c', { registry });
    registry.delete('c');
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('still removes the breaker when a listener throws, and rethrows out of band', async () => {
    const registry = new Registry();
    new CircuitBreaker('x', { registry });
    const boom = new Error('listener');
    registry.onRemove(() => {
      throw boom;
    });
    const later = vi.fn();
    registry.onRemove(later);
    const thrown = new Promise((resolve) => {
      const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
        try {
          task();
        } catch (error) {
          resolve(error);
        }
      });
      registry.delete('x');
      spy.mockRestore();
    });
    expect(await thrown).toBe(boom);
    expect(registry.has('x')).toBe(false);
    expect(later).toHaveBeenCalledTimes(1);
  });

  it('rejects a listener that is not a function', () => {
    expect(() => new Registry().onRemove('x' as never)).toThrow(/Expected `listener` to be a function/);
  });

  it('disposes a deleted breaker, so its store forgets it', () => {
    const registry = new Registry();
    const store = new MemoryStateStore();
    const a = new CircuitBreaker('shared', { registry, store });
    const b = new CircuitBreaker('shared', { registry: false, store });
    registry.delete('shared');
    // Detached: a's trip no longer reaches its former peer.
    a.call(() => 1);
    for (let i = 0; i < 5; i++)
      expect(() =>
        a.call(() => {
          throw new Error('down');
        }),
      ).toThrow('down');
    expect(a.state).toBe('open');
    expect(b.state).toBe('closed');
  });
});
