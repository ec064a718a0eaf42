import { Redis } from 'ioredis';
import type { IORedisClient } from '../../src/redis/index.js';

/** The fault switches of one store of a fleet model test; `random` makes a history repeatable from its seed. */
export interface Faults {
  on: boolean;
  dead: boolean;
  random: () => number;
}

/** Ends a history: faults off, every breaker detached, every store closed. */
export async function shutDown(
  members: Iterable<{ readonly faults: Faults; readonly breaker: { dispose(): void }; readonly store: { close(): Promise<void> } }>,
): Promise<void> {
  for (const m of members) {
    m.faults.dead = false;
    m.faults.on = false;
    m.breaker.dispose();
    await m.store.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An ioredis client whose commands fail or answer late (replies stay in order) while `faults.on`; silent once
 * `dead`. A command fails before it is sent (Redis never runs it) or after (Redis ran it, its reply is lost).
 * `sent` hears every command that goes to Redis, with Redis's own reply (before any fault is applied to it).
 */
export function faultyClient(
  faults: Faults,
  clients: Redis[],
  sent?: (name: string, args: readonly string[], reply: Promise<unknown>) => void,
): IORedisClient {
  const client = new Redis({ maxRetriesPerRequest: 1 });
  clients.push(client);
  let tail: Promise<unknown> = Promise.resolve();
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'call') {
        return (name: string, ...args: string[]) => {
          if (faults.dead) return new Promise(() => {});
          const roll = faults.on ? faults.random() : 1;
          if (roll < 0.1) return Promise.reject(new Error('injected: connection reset before sending'));
          const reply = target.call(name, ...args);
          sent?.(name, args, reply);
          const late = roll < 0.3 ? sleep(Math.floor(faults.random() * 80)) : undefined;
          const lost = roll >= 0.3 && roll < 0.4;
          const previous = tail;
          const next = Promise.all([reply, late, previous]).then(([r]) => {
            if (lost) throw new Error('injected: connection reset before the reply');
            return r;
          });
          tail = next.catch(() => {});
          return next;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as IORedisClient;
}

/** A subscriber connection whose messages are dropped, duplicated or delayed (reordered) while `faults.on`. */
export function faultySubscriber(faults: Faults, clients: Redis[]): IORedisClient {
  const client = new Redis({ maxRetriesPerRequest: null });
  clients.push(client);
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'on') {
        return (event: string, listener: (...args: unknown[]) => void) => {
          if (event !== 'message') return target.on(event, listener);
          return target.on(event, (...args: unknown[]) => {
            if (faults.dead) return;
            const roll = faults.on ? faults.random() : 1;
            if (roll < 0.15) return; // dropped
            if (roll < 0.3)
              setTimeout(() => listener(...args), Math.floor(faults.random() * 100)); // late, reordered
            else listener(...args);
            if (roll >= 0.3 && roll < 0.4) listener(...args); // duplicated
          });
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as IORedisClient;
}
