import { type Clock, monotonicClock } from '../clock.js';
import { CountTotals } from './count-totals.js';
import { type CountedName, countingLink, SharedCounter } from './shared-counter.js';
import { fleetOpenMs, fleetTrips, type ResolvedSharedCounting } from './shared-counting.js';
import type { BreakerPort, StoreLink } from './state-store.js';

/** What {@link MemoryCounting} needs from its `MemoryStateStore`. */
export interface MemoryCountingHost {
  /** Whether the shared circuit of `name` is closed, so that outcomes count. */
  closed(name: string): boolean;
  /** Opens the shared circuit of `name` for `remainingMs` (attempt 1) and tells every breaker of it. */
  trip(name: string, remainingMs: number): void;
}

/**
 * Shared counting for `MemoryStateStore`: the breakers of a name add their outcomes, in batches sent
 * every `flushInterval`, to totals over a time window; when the totals break the rule, every breaker
 * of the name opens (reason `'remote'`). The same batching as with Redis, so tests written against it
 * see the same delays.
 */
export class MemoryCounting {
  readonly #rule: ResolvedSharedCounting;
  readonly #clock: Clock;
  readonly #host: MemoryCountingHost;
  readonly #totals: CountTotals;
  readonly #counter: SharedCounter;
  readonly #names = new Map<string, CountedName>();

  constructor(rule: ResolvedSharedCounting, clock: Clock, host: MemoryCountingHost) {
    this.#rule = rule;
    this.#clock = clock;
    this.#host = host;
    this.#totals = new CountTotals(rule);
    // The flusher's own clock paces setTimeout, so it must run with it: never the store's injected clock.
    const timers = monotonicClock;
    this.#counter = new SharedCounter({ flushInterval: rule.flushInterval, window: rule.window, clock: timers }, (name, batches) => {
      const counting = this.#host.closed(name);
      const totals = this.#totals.apply(name, 'memory', batches, this.#clock.now(), counting);
      if (counting && fleetTrips(this.#rule, totals.failures, totals.calls)) {
        this.#totals.reset(name);
        const port = this.#names.get(name)?.ports.values().next().value;
        this.#host.trip(name, fleetOpenMs(port));
      }
      return Promise.resolve();
    });
  }

  /** `link` with an outcome tap feeding this store's counter. */
  link(port: BreakerPort, link: StoreLink): StoreLink {
    let entry = this.#names.get(port.name);
    if (entry === undefined) {
      entry = { slot: this.#counter.slot(port.name), ports: new Set() };
      this.#names.set(port.name, entry);
    }
    const { slot } = entry;
    return countingLink(this.#counter, entry, port, link, () => {
      if (this.#names.get(port.name)?.slot === slot) {
        this.#names.delete(port.name);
        this.#counter.remove(slot);
        this.#totals.delete(port.name);
      }
    });
  }

  /** The shared circuit of `name` changed state: outcomes counted before no longer count. */
  reset(name: string): void {
    this.#totals.reset(name);
  }

  /** Whether a flush timer is armed. */
  get armed(): boolean {
    return this.#counter.armed;
  }
}
