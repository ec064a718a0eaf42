import type { RedisStoreError } from './errors.js';

/** Events of a {@link RedisStateStore}. */
export interface RedisStateStoreEvents {
  /** Redis stopped answering or refused our commands (once per incident), or a key or message holds a foreign value (once each). */
  error: RedisStoreError;
  /** Redis answers again after an incident; a re-sync is under way. */
  recovered: undefined;
}

/** The listeners of a store; each one isolated: a listener that throws is reported, never stops the others or the store. */
export class StoreEvents {
  readonly #listeners = { error: new Set<(e: RedisStoreError) => void>(), recovered: new Set<(e: undefined) => void>() };

  on<K extends keyof RedisStateStoreEvents>(event: K, listener: (event: RedisStateStoreEvents[K]) => void): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Reports an error; without a listener it goes to `console.error`: never crash a process because Redis is away, never hide it. */
  error(error: RedisStoreError): void {
    if (this.#listeners.error.size === 0) console.error(error);
    this.#emit(this.#listeners.error, error);
  }

  recovered(): void {
    this.#emit(this.#listeners.recovered, undefined);
  }

  #emit<T>(listeners: Set<(event: T) => void>, event: T): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error(new Error('tripswitch/redis: a RedisStateStore listener threw', { cause: error }));
      }
    }
  }
}
