import type { Clock } from '../clock.js';
import type { BreakerPort, StoreLink } from './state-store.js';

/**
 * Outcomes one process counted for one breaker name between two flushes. `seq` grows with every batch
 * a counter forms (across all its names, and across a name detached and attached again), so the backend
 * applies each batch once however often it arrives: it keeps the highest `seq` it applied per sender and
 * name and skips anything at or below it.
 */
export interface CountBatch {
  readonly seq: number;
  readonly failures: number;
  readonly calls: number;
  /** Reading of the counter's clock when the batch was formed; batches older than the window are dropped. */
  readonly at: number;
}

/** Sends the batches of one name in one command; resolves once the backend applied them (or had already). */
export type SendBatches = (name: string, batches: readonly CountBatch[]) => Promise<unknown>;

/** What one name has counted and not yet had confirmed. */
export interface CountSlot {
  readonly name: string;
  /** Counted since the last batch was formed. */
  failures: number;
  calls: number;
  /** Batches sent (or about to be) and not confirmed, oldest first. Resent together until confirmed. */
  readonly unacked: CountBatch[];
  inFlight: boolean;
  /** Clock reading of the last send (`-Infinity` before the first): the next waits until a flush interval has passed. */
  sentAt: number;
  /** In the counter's set of slots to flush. */
  dirty: boolean;
  removed: boolean;
}

/** Settings of a {@link SharedCounter}. */
export interface SharedCounterOptions {
  readonly flushInterval: number;
  /** Batches older than this are dropped unsent: their outcomes have left the window. */
  readonly window: number;
  readonly clock: Clock;
  /**
   * Most batches kept unconfirmed per name; the oldest beyond it is dropped (its outcomes are lost,
   * never counted twice).
   * @default 32
   */
  readonly maxUnacked?: number;
}

/**
 * Batches the outcomes of shared counting: counting is two increments on the call's path (no I/O, no
 * allocation); a timer armed by the first outcome after a quiet spell sends one command per name with
 * outcomes to send, and stops when every name is confirmed. A name is sent at most once per
 * `flushInterval`, and never while its previous command is on its way.
 *
 * Successes wait for the timer. The first failure of a batch is sent at once (on the next macrotask)
 * when the name's last send is a flush interval old or more: a dependency that dies in a quiet period
 * reaches the fleet within one round trip, not one flush interval; later failures batch.
 *
 * A failed send keeps its batches: they go again with the next flush, with their own `seq`, so a batch
 * that did reach the backend (its reply was lost) is not applied twice. Batches older than the window
 * are dropped instead of being sent late.
 *
 * @example
 * const counter = new SharedCounter({ flushInterval: 250, window: 10_000, clock: monotonicClock }, send);
 * const slot = counter.slot('payments');
 * counter.count(slot, true); // a failure; sent within 250 ms
 */
export class SharedCounter {
  readonly #options: Required<SharedCounterOptions>;
  readonly #send: SendBatches;
  readonly #dirty = new Set<CountSlot>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Clock reading the armed timer fires at. */
  #dueAt = Number.POSITIVE_INFINITY;
  #closed = false;
  /** The last batch number handed out: one sequence for every slot, so a slot made again for a name never reuses one. */
  #seq = 0;

  constructor(options: SharedCounterOptions, send: SendBatches) {
    this.#options = { maxUnacked: 32, ...options };
    this.#send = send;
  }

  /** A new slot for `name`; count into it with {@link SharedCounter.count}. */
  slot(name: string): CountSlot {
    return {
      name,
      failures: 0,
      calls: 0,
      unacked: [],
      inFlight: false,
      sentAt: Number.NEGATIVE_INFINITY,
      dirty: false,
      removed: false,
    };
  }

  /** Counts one outcome. The hot path: no allocation, and a timer only after a quiet spell. */
  count(slot: CountSlot, failure: boolean): void {
    slot.calls++;
    if (!slot.dirty) this.#mark(slot);
    // One clock read per batch, on its first failure only.
    if (failure && ++slot.failures === 1 && !slot.inFlight) {
      if (this.#options.clock.now() - slot.sentAt >= this.#options.flushInterval) this.#arm(0);
    }
  }

  /** Forgets a slot: what it has not sent is dropped. */
  remove(slot: CountSlot): void {
    slot.removed = true;
    slot.dirty = false;
    this.#dirty.delete(slot);
    if (this.#dirty.size === 0) this.#disarm();
  }

  /** Whether a timer is armed (something waits to be sent or confirmed). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the timer for good; nothing more is sent. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    this.#dirty.clear();
  }

  /** Sends what every slot has; the timer calls it every `flushInterval` while something is pending. */
  flush(): void {
    this.#disarm();
    if (this.#closed) return;
    const now = this.#options.clock.now();
    const interval = this.#options.flushInterval;
    let next = interval;
    for (const slot of this.#dirty) {
      if (slot.inFlight) continue;
      const wait = slot.sentAt + interval - now;
      if (wait > 0) {
        if (wait < next) next = wait;
        continue;
      }
      const { unacked } = slot;
      while (unacked.length > 0 && now - (unacked[0] as CountBatch).at >= this.#options.window) unacked.shift();
      if (slot.calls > 0) {
        unacked.push({ seq: ++this.#seq, failures: slot.failures, calls: slot.calls, at: now });
        slot.failures = 0;
        slot.calls = 0;
      }
      if (unacked.length > this.#options.maxUnacked) unacked.splice(0, unacked.length - this.#options.maxUnacked);
      if (unacked.length === 0) {
        slot.dirty = false;
        this.#dirty.delete(slot);
        continue;
      }
      slot.sentAt = now;
      this.#sendSlot(slot, unacked.slice());
    }
    if (this.#dirty.size > 0) this.#arm(next);
  }

  #sendSlot(slot: CountSlot, batches: readonly CountBatch[]): void {
    slot.inFlight = true;
    const top = (batches[batches.length - 1] as CountBatch).seq;
    let sent: Promise<unknown>;
    try {
      sent = this.#send(slot.name, batches);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      () => {
        // Confirmed up to `top`: everything at or below it is in the backend.
        let confirmed = 0;
        while (confirmed < slot.unacked.length && (slot.unacked[confirmed] as CountBatch).seq <= top) confirmed++;
        slot.unacked.splice(0, confirmed);
        this.#settled(slot);
      },
      () => this.#settled(slot),
    );
  }

  #settled(slot: CountSlot): void {
    slot.inFlight = false;
    if (slot.removed || this.#closed) return;
    if (slot.calls === 0 && slot.unacked.length === 0) {
      slot.dirty = false;
      this.#dirty.delete(slot);
      if (this.#dirty.size === 0) this.#disarm();
    } else if (!slot.dirty) this.#mark(slot);
  }

  #mark(slot: CountSlot): void {
    if (slot.removed || this.#closed) return;
    slot.dirty = true;
    this.#dirty.add(slot);
    if (this.#timer === undefined) this.#arm(this.#options.flushInterval);
  }

  /** Makes sure a flush runs within `delay` ms: keeps an armed timer due sooner, re-arms a later one. */
  #arm(delay: number): void {
    if (this.#closed) return;
    const dueAt = this.#options.clock.now() + delay;
    if (this.#timer !== undefined) {
      if (this.#dueAt <= dueAt) return;
      clearTimeout(this.#timer);
    }
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => this.flush(), delay);
    // Counting must never keep a process alive on its own.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }
}

/** The breakers of one name, counting into one slot. */
export interface CountedName {
  readonly slot: CountSlot;
  readonly ports: Set<BreakerPort>;
}

/**
 * `link` with an outcome tap into `name`'s slot of `counter`, for a store's `attach`. When the last
 * breaker of the name detaches, `released()` runs: the store forgets the name (and the slot).
 */
export function countingLink(
  counter: SharedCounter,
  name: CountedName,
  port: BreakerPort,
  link: StoreLink,
  released: () => void,
): StoreLink {
  const { slot, ports } = name;
  ports.add(port);
  return {
    transitioned: link.transitioned,
    requestProbe: link.requestProbe,
    counted: (failure) => counter.count(slot, failure),
    detach: () => {
      link.detach();
      ports.delete(port);
      if (ports.size === 0) released();
    },
  };
}
