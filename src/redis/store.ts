import type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from '../storage/state-store.js';
import { connect, type Subscriber } from './client.js';
import { RedisStoreError, RedisStoreErrorCode } from './errors.js';
import { type RedisStateStoreOptions, type ResolvedStoreOptions, resolveStoreOptions } from './options.js';
import { messageOf, ScriptRunner } from './runner.js';
import { type Script, scripts } from './scripts.js';
import { RedisSharedCounts } from './shared-counts.js';

/** Events of a {@link RedisStateStore}. */
export interface RedisStateStoreEvents {
  /** Redis stopped answering (once per incident) or a key holds a foreign value (once per key). */
  error: RedisStoreError;
  /** Redis answers again after an incident; a re-sync is under way. */
  recovered: undefined;
}

interface Entry {
  readonly name: string;
  readonly key: string;
  readonly ports: Set<BreakerPort>;
  /** Highest version of this key seen; older news is ignored. */
  seen: number;
  /** The breaker of this store holding the fleet-wide probe lease. */
  holder: BreakerPort | undefined;
  /** A local transition Redis has not taken yet: pushed again on the next reconcile. */
  dirty: boolean;
  writes: number;
  malformed: boolean;
}

const batchSize = 500;
const open = (reply: string[]): SharedState => ({ state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });

/**
 * A {@link StateStore} that shares breaker state through Redis, across processes and hosts. Every
 * call is still decided locally, with no Redis round trip; transitions are atomic Lua scripts timed
 * by the Redis server clock, peers learn them through pub/sub within milliseconds (and through a
 * periodic reconcile when a message is lost), and after the recovery timeout one process at a time
 * holds the probe lease. When Redis is down or slow, breakers decide alone, the store reports one
 * `error` per incident and re-syncs when Redis answers again.
 *
 * @example
 * import Redis from 'ioredis';
 * import { RedisStateStore } from 'tripswitch/redis';
 * const store = new RedisStateStore({ client: new Redis() });
 * store.on('error', (error) => console.warn(error.message));
 * const payments = new CircuitBreaker('payments', { store });
 */
export class RedisStateStore implements StateStore {
  /** This store's id, naming it as lease holder and as origin of its messages. */
  readonly id: string = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  /** The key prefix. */
  readonly prefix: string;
  readonly #options: ResolvedStoreOptions;
  readonly #runner: ScriptRunner;
  readonly #subscriber: Subscriber;
  readonly #channel: string;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = { error: new Set<(e: RedisStoreError) => void>(), recovered: new Set<(e: undefined) => void>() };
  readonly #timer: ReturnType<typeof setInterval>;
  #subscribed: Promise<void> | undefined;
  #healthy = true;
  #closed = false;
  #reconciling = false;
  #soon: ReturnType<typeof setTimeout> | undefined;
  /** Shared counting, when the option is on (shared-counts.ts). */
  readonly #counts: RedisSharedCounts | undefined;

  /** @throws {TypeError | RangeError} for an invalid option, naming it. */
  constructor(options: RedisStateStoreOptions) {
    this.#options = resolveStoreOptions(options);
    this.prefix = this.#options.prefix;
    const connection = connect(options.client, options.subscriber);
    this.#runner = new ScriptRunner(connection, this.#options.commandTimeout);
    this.#channel = `${this.prefix}transitions`;
    this.#subscriber = connection.subscriber(
      (channel, message) => this.#onMessage(channel, message),
      (error) => this.#unavailable(error),
    );
    this.#subscribe().catch(() => {});
    this.#timer = setInterval(() => this.#tick(), this.#options.reconcileInterval);
    // The store must never keep a process alive on its own.
    (this.#timer as { unref?: () => void }).unref?.();
    const rule = this.#options.sharedCounting;
    this.#counts =
      rule &&
      new RedisSharedCounts(rule, {
        id: this.id,
        channel: this.#channel,
        runner: this.#runner,
        replied: (name, raw) => {
          const entry = this.#entries.get(name);
          const reply = entry === undefined || this.#closed ? undefined : this.#ok(entry, raw);
          if (entry !== undefined && reply?.[0] === 'tripped') this.#apply(entry, open(reply));
        },
        failed: (name, error) => {
          const entry = this.#entries.get(name);
          if (entry !== undefined) this.#failed(entry, error);
        },
      });
  }

  /** Listens to `error` or `recovered`; returns a function that removes the listener. */
  on<K extends keyof RedisStateStoreEvents>(event: K, listener: (event: RedisStateStoreEvents[K]) => void): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Attaches a breaker; called by the breaker's constructor (`new CircuitBreaker(name, { store })`). */
  attach(port: BreakerPort): StoreLink {
    let entry = this.#entries.get(port.name);
    if (entry === undefined) {
      const key = `${this.prefix}breaker:${port.name}`;
      entry = { name: port.name, key, ports: new Set(), seen: 0, holder: undefined, dirty: false, writes: 0, malformed: false };
      this.#entries.set(port.name, entry);
    }
    const e = entry;
    e.ports.add(port);
    this.#reconcileSoon();
    const link: StoreLink = {
      transitioned: (change) => this.#transitioned(e, port, change),
      requestProbe: () => this.#requestProbe(e, port),
      detach: () => {
        if (e.holder === port) this.#release(e);
        e.ports.delete(port);
        if (e.ports.size === 0) this.#entries.delete(e.name);
      },
    };
    return this.#counts === undefined ? link : this.#counts.link(e.key, port, link);
  }

  /**
   * Re-syncs now: pushes local transitions Redis missed, then reads the state of every attached breaker.
   * @throws {RedisStoreError} (as a rejection) when Redis does not answer within `commandTimeout`.
   */
  async sync(): Promise<void> {
    try {
      await this.#runner.timed(this.#subscribe());
      await this.#reconcile();
    } catch (error) {
      this.#unavailable(error);
      throw asStoreError(error);
    }
  }

  /** Stops the reconcile timer, gives back held leases and closes the subscriber connection the store opened. Breakers then decide alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#counts?.close();
    clearInterval(this.#timer);
    if (this.#soon !== undefined) clearTimeout(this.#soon);
    const held = [...this.#entries.values()].filter((e) => e.holder !== undefined);
    const releases = held.map((e) => this.#runner.run(scripts.release, [e.key], [this.id]).catch(() => {}));
    this.#closed = true;
    await Promise.all(releases);
    this.#subscriber.close();
    this.#entries.clear();
  }

  #transitioned(entry: Entry, port: BreakerPort, change: LocalTransition): void {
    if (this.#closed) return;
    const leftProbe = change.from === 'half_open' && entry.holder === port;
    if (leftProbe) entry.holder = undefined;
    if (change.to === 'open') {
      this.#local(entry, port, { state: 'open', remainingMs: change.remainingMs, attempt: change.attempt });
      this.#pushOpen(entry, change.remainingMs, change.attempt);
    } else if (change.to === 'closed' && (change.from === 'open' || change.from === 'half_open')) {
      this.#local(entry, port, { state: 'closed' });
      // Only the state this store last saw closes: a newer open of a peer wins, and a close the client ran
      // late (queued while disconnected, after our timeout gave up on it) cannot undo a newer open.
      this.#pushClose(entry, String(entry.seen));
    } else if (leftProbe) this.#release(entry);
  }

  #pushOpen(entry: Entry, remainingMs: number, attempt: number): Promise<void> {
    const args = [this.#channel, this.id, entry.name, String(Math.ceil(remainingMs)), String(attempt)];
    // 'kept': the fleet was already open for longer; take its end.
    return this.#write(entry, scripts.open, args, (reply) => reply[4] === 'kept' && this.#apply(entry, open(reply)));
  }

  #pushClose(entry: Entry, expected: string): Promise<void> {
    const args = [this.#channel, this.id, entry.name, expected];
    // 'open': a peer opened it since we last looked; its news wins.
    return this.#write(entry, scripts.close, args, (reply) => reply[0] === 'open' && this.#apply(entry, open(reply)));
  }

  #release(entry: Entry): void {
    entry.holder = undefined;
    this.#write(entry, scripts.release, [this.id], undefined);
  }

  #requestProbe(entry: Entry, port: BreakerPort): void {
    if (this.#closed || !this.#healthy) {
      port.grantProbe();
      return;
    }
    if (entry.holder !== undefined && entry.holder !== port) {
      // A breaker of this store probes; its outcome reaches this one directly.
      const own = port.sharedState();
      port.applyRemote({ state: 'open', remainingMs: this.#options.leaseTtl, attempt: own?.state === 'open' ? own.attempt : 1 });
      return;
    }
    const args = [this.id, String(this.#options.leaseTtl), String(entry.seen)];
    this.#runner
      .run(scripts.acquire, [entry.key], args)
      .then((raw) => this.#ok(entry, raw))
      .then(
        (reply) => {
          if (reply[0] === 'granted') {
            entry.holder = port;
            if (!port.grantProbe()) this.#release(entry);
          } else if (reply[0] === 'closed') this.#apply(entry, { state: 'closed' });
          else port.applyRemote(open(reply));
        },
        (error: unknown) => {
          this.#failed(entry, error);
          port.grantProbe();
        },
      );
  }

  /** Runs a write; a failed one leaves the entry dirty for the next reconcile to push again. */
  #write(entry: Entry, script: Script, args: string[], then: ((reply: string[]) => unknown) | undefined): Promise<void> {
    const write = ++entry.writes;
    return this.#runner
      .run(script, [entry.key], args)
      .then((raw) => this.#ok(entry, raw))
      .then(
        (reply) => {
          if (write === entry.writes) entry.dirty = false;
          then?.(reply);
        },
        (error: unknown) => {
          entry.dirty = true;
          this.#failed(entry, error);
        },
      );
  }

  /** A successful reply: Redis is healthy, the key is well-formed, its version is seen. */
  #ok(entry: Entry, raw: unknown): string[] {
    if (!Array.isArray(raw)) throw new TypeError(`tripswitch/redis: unexpected script reply ${String(raw)}`);
    this.#available();
    entry.malformed = false;
    const reply = raw.map(String);
    const version = Number(reply[1]);
    if (version > entry.seen) entry.seen = version;
    return reply;
  }

  /** Applies a peer's transition to every breaker of the entry. */
  #apply(entry: Entry, state: SharedState): void {
    entry.holder = undefined;
    for (const port of entry.ports) port.applyRemote(state);
  }

  /** Tells the other breakers of this store, synchronously, what one of them did. */
  #local(entry: Entry, origin: BreakerPort, state: SharedState): void {
    if (entry.holder !== origin) entry.holder = undefined;
    for (const port of entry.ports) if (port !== origin) port.applyRemote(state);
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel || this.#closed) return;
    const parts = message.split('|');
    if (parts.length < 6 || parts[4] === this.id) return;
    const entry = this.#entries.get(parts.slice(5).join('|'));
    const version = Number(parts[0]);
    if (entry === undefined || !(version > entry.seen)) return;
    entry.seen = version;
    if (parts[1] === 'closed') this.#apply(entry, { state: 'closed' });
    else if (parts[1] === 'open') this.#apply(entry, open(parts));
  }

  /** Pushes what Redis missed, then reads every attached key, renewing a lease in use. */
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#entries.values()].filter((e) => e.dirty).map((e) => this.#push(e)));
    const entries = [...this.#entries.values()];
    for (let i = 0; i < entries.length; i += batchSize) {
      const batch = entries.slice(i, i + batchSize);
      const flags = batch.map((e) => (e.holder === undefined ? '0' : e.holder.probing() ? '1' : '2'));
      const keys = batch.map((e) => e.key);
      const raw = (await this.#runner.run(scripts.reconcile, keys, [this.id, String(this.#options.leaseTtl), ...flags])) as unknown[];
      this.#available();
      for (const [j, entry] of batch.entries()) this.#reconciled(entry, (raw[j] as unknown[]).map(String));
    }
  }

  #reconciled(entry: Entry, reply: string[]): void {
    if (this.#entries.get(entry.name) !== entry) return;
    if (reply[0] === 'malformed') {
      this.#malformed(entry, reply[1] ?? '');
      return;
    }
    entry.malformed = false;
    const version = Number(reply[1]);
    if (reply[4] === '1' || !(version > entry.seen)) return;
    entry.seen = version;
    this.#apply(entry, reply[0] === 'closed' ? { state: 'closed' } : open(reply));
  }

  /** Pushes the state of a breaker whose last transition Redis did not take. */
  #push(entry: Entry): Promise<void> {
    const state = entry.ports.values().next().value?.sharedState() ?? null;
    if (state === null) {
      entry.dirty = false;
      return Promise.resolve();
    }
    return state.state === 'closed' ? this.#pushClose(entry, String(entry.seen)) : this.#pushOpen(entry, state.remainingMs, state.attempt);
  }

  #tick(): void {
    if (this.#closed || this.#reconciling || this.#entries.size === 0) return;
    this.#reconciling = true;
    this.#subscribe().catch(() => {});
    this.#reconcile()
      .catch((error: unknown) => this.#unavailable(error))
      .finally(() => {
        this.#reconciling = false;
      });
  }

  #reconcileSoon(): void {
    if (this.#soon !== undefined || this.#closed) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#tick();
    }, 0);
    (this.#soon as { unref?: () => void }).unref?.();
  }

  #subscribe(): Promise<void> {
    this.#subscribed ??= this.#subscriber.subscribe(this.#channel).catch((error: unknown) => {
      this.#subscribed = undefined;
      this.#unavailable(error);
      throw error;
    });
    return this.#subscribed;
  }

  #failed(entry: Entry, error: unknown): void {
    const message = messageOf(error);
    const at = message.indexOf('TRIPSWITCH_MALFORMED ');
    if (at >= 0) this.#malformed(entry, message.slice(at + 'TRIPSWITCH_MALFORMED '.length));
    else this.#unavailable(error);
  }

  #malformed(entry: Entry, detail: string): void {
    if (entry.malformed) return;
    entry.malformed = true;
    const message = `tripswitch/redis: ${detail}; breaker "${entry.name}" decides locally until the key is deleted or expires`;
    this.#emitError(new RedisStoreError(RedisStoreErrorCode.MALFORMED, message, { key: entry.key }));
  }

  #unavailable(error: unknown): void {
    if (this.#closed || !this.#healthy) return;
    this.#healthy = false;
    const message = `${asStoreError(error).message}; breakers decide locally and re-sync when it answers again`;
    this.#emitError(new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, message, { cause: error }));
  }

  #available(): void {
    if (this.#healthy || this.#closed) return;
    this.#healthy = true;
    for (const listener of this.#listeners.recovered) listener(undefined);
    this.#reconcileSoon();
  }

  #emitError(error: RedisStoreError): void {
    // Never crash a process because Redis is away; never hide it either.
    if (this.#listeners.error.size === 0) console.error(error);
    for (const listener of this.#listeners.error) listener(error);
  }
}

function asStoreError(error: unknown): RedisStoreError {
  if (error instanceof RedisStoreError) return error;
  return new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, `tripswitch/redis: Redis did not answer (${messageOf(error)})`, {
    cause: error,
  });
}
