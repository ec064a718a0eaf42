// Compiled with experimentalDecorators (see tsconfig.json beside this file): the NestJS dialect.
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, circuitBreaker, Registry } from '../../src/index.js';

afterEach(() => {
  Registry.default.clear();
});

describe('@circuitBreaker (legacy experimentalDecorators)', () => {
  it('receives (target, key, descriptor) from the compiler', () => {
    const seen: unknown[] = [];
    function spy(target: object, key: string | symbol, descriptor: PropertyDescriptor) {
      seen.push(typeof target, key, typeof descriptor.value);
    }
    class Probe {
      @spy
      method() {}
    }
    expect(new Probe()).toBeInstanceOf(Probe);
    expect(seen).toEqual(['object', 'method', 'function']);
  });

  it('keeps async methods async and sync methods sync, registered as Class.method at definition', async () => {
    class Payments {
      @circuitBreaker({ fallback: () => ({ status: 'queued' }) })
      async charge(id: string) {
        return { status: `charged ${id}` };
      }

      @circuitBreaker
      parsePrice(s: string): number {
        return Number.parseFloat(s);
      }
    }
    expect(CircuitBreaker.registry.names().sort()).toEqual(['Payments.charge', 'Payments.parsePrice']);
    const payments = new Payments();
    expect(payments.parsePrice('1.25')).toBe(1.25);
    await expect(payments.charge('c1')).resolves.toEqual({ status: 'charged c1' });
    CircuitBreaker.get('Payments.charge').trip();
    await expect(payments.charge('c2')).resolves.toEqual({ status: 'queued' });
  });

  it('opens a shared breaker and rejects for every instance', () => {
    class Db {
      @circuitBreaker({ name: 'legacy-db', failureThreshold: 1 })
      query(): string {
        throw new Error('db down');
      }
    }
    expect(() => new Db().query()).toThrow('db down');
    expect(() => new Db().query()).toThrow(CircuitOpenError);
  });

  it('supports perInstance and static methods', async () => {
    class Client {
      @circuitBreaker({ perInstance: true, failureThreshold: 1 })
      send(fail: boolean): string {
        if (fail) throw new Error('send failed');
        return 'sent';
      }

      @circuitBreaker({ failureThreshold: 1 })
      static async ping(): Promise<string> {
        throw new Error('ping failed');
      }
    }
    const a = new Client();
    expect(() => a.send(true)).toThrow('send failed');
    expect(() => a.send(false)).toThrow(CircuitOpenError);
    expect(new Client().send(false)).toBe('sent');
    await expect(Client.ping()).rejects.toThrow('ping failed');
    await expect(Client.ping()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(CircuitBreaker.registry.names()).toEqual(['Client.ping']);
  });
});
