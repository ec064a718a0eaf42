import { monotonicClock } from '../clock.js';
import { type CountBatch, type CountSlot, countingLink, SharedCounter } from '../storage/shared-counter.js';
import { fleetOpenMs, type ResolvedSharedCounting } from '../storage/shared-counting.js';
import type { BreakerPort, StoreLink } from '../storage/state-store.js';
import { countScript } from './count-scripts.js';
import type { Script } from './scripts.js';

/** What {@link RedisSharedCounts} needs from its `RedisStateStore`. */
export interface SharedCountsHost {
  /** The store's id: the sender of every batch. */
  readonly id: string;
  /** The channel opens are published on. */
  readonly channel: string;
  /**
   * Runs the count script for `name` with the keys of its counts (the store adds its change counter
   * and log), validates the reply and applies what it says like any read of the key (a fleet trip
   * included). Rejects when Redis did not answer or the reply is refused: the batches then stay to be
   * sent again.
   */
  send(name: string, script: Script, keys: string[], args: string[]): Promise<void>;
}

/** How much longer than the window a sender's applied-batch marker lives: longer than any command waits in a queue. */
const markerGraceMs = 600_000;

interface Name {
  readonly key: string;
  readonly slot: CountSlot;
  readonly ports: Set<BreakerPort>;
}

/**
 * Shared counting for `RedisStateStore`. Breakers count outcomes into a {@link SharedCounter}; every
 * `flushInterval`, one EVALSHA per breaker name with new outcomes adds them to buckets in Redis and
 * decides there, atomically, whether the fleet opens (see count-scripts.ts). While Redis is away the
 * batches wait (up to one window) and breakers decide with their own detectors; when it answers, the
 * batches go in, each applied once.
 */
export class RedisSharedCounts {
  readonly #rule: ResolvedSharedCounting;
  readonly #host: SharedCountsHost;
  readonly #counter: SharedCounter;
  readonly #names = new Map<string, Name>();
  readonly #marker: string;

  constructor(rule: ResolvedSharedCounting, host: SharedCountsHost) {
    this.#rule = rule;
    this.#host = host;
    this.#marker = String(rule.window + markerGraceMs);
    const clock = monotonicClock;
    this.#counter = new SharedCounter({ flushInterval: rule.flushInterval, window: rule.window, clock }, (name, batches) =>
      this.#send(name, batches),
    );
  }

  /** `link` with an outcome tap; `key` is the breaker's state key, the stem of its count keys. */
  link(key: string, port: BreakerPort, link: StoreLink): StoreLink {
    let entry = this.#names.get(port.name);
    if (entry === undefined || entry.key !== key) {
      entry = { key, slot: this.#counter.slot(port.name), ports: new Set() };
      this.#names.set(port.name, entry);
    }
    const { slot } = entry;
    return countingLink(this.#counter, entry, port, link, () => {
      if (this.#names.get(port.name)?.slot === slot) {
        this.#names.delete(port.name);
        this.#counter.remove(slot);
      }
    });
  }

  /** Stops flushing; outcomes not sent yet are dropped. */
  close(): void {
    this.#counter.close();
  }

  /** Whether a flush timer is armed. */
  get armed(): boolean {
    return this.#counter.armed;
  }

  #send(name: string, batches: readonly CountBatch[]): Promise<unknown> {
    const entry = this.#names.get(name);
    if (entry === undefined) return Promise.resolve();
    const rule = this.#rule;
    const port = entry.ports.values().next().value;
    const openMs = fleetOpenMs(port);
    const args = [
      this.#host.channel,
      this.#host.id,
      name,
      String(openMs),
      String(rule.bucketMs),
      String(rule.buckets),
      String(rule.failureThreshold),
      String(rule.failureRate),
      String(rule.minimumCalls),
      this.#marker,
    ];
    for (const batch of batches) args.push(String(batch.seq), String(batch.failures), String(batch.calls));
    const keys = [entry.key, `${entry.key}:counts`, `${entry.key}:sent:${this.#host.id}`];
    return this.#host.send(name, countScript, keys, args);
  }
}
