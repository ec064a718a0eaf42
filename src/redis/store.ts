import type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from '../storage/state-store.js';
import { connect, type Subscriber } from './client.js';
import { createEntry, type Entry } from './entry.js';
import { asStoreError, messageOf, RedisStoreError, RedisStoreErrorCode } from './errors.js';
import { type RedisStateStoreEvents, StoreEvents } from './events.js';
import { type RedisStateStoreOptions, type ResolvedStoreOptions, resolveStoreOptions } from './options.js';
import { KeyReader } from './reader.js';
import { type KeyReply, parseKeyReply, parseMessage, sharedOf } from './reply.js';
import { ScriptRunner } from './runner.js';
import { type Script, scripts } from './scripts.js';
import { RedisSharedCounts } from './shared-counts.js';

/**
 * A {@link StateStore} that shares breaker state through Redis, across processes and hosts. Every
 * call is still decided locally, with no Redis round trip; transitions are atomic Lua scripts timed
 * by the Redis server clock, peers learn them through pub/sub within milliseconds (and through a
 * periodic reconcile when a message is lost), and after the recovery timeout one process at a time
 * holds the probe lease. When Redis is down or slow, breakers decide alone, the store reports one
 * `error` per incident and re-syncs when Redis answers again. Everything read from Redis is validated
 * first; channel messages only make a store re-read the key they name.
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
  readonly #changesKey: string;
  readonly #logKey: string;
  readonly #entries = new Map<string, Entry>();
  readonly #events = new StoreEvents();
  readonly #timer: ReturnType<typeof setInterval>;
  #subscribed: Promise<void> | undefined;
  #healthy = true;
  #closed = false;
  #reconciling = false;
  #soon: ReturnType<typeof setTimeout> | undefined;
  #badMessage = false;
  readonly #reader: KeyReader;
  /** Shared counting, when the option is on (shared-counts.ts). */
  readonly #counts: RedisSharedCounts | undefined;

  /** @throws {TypeError | RangeError} for an invalid option, naming it (a cluster client needs a hash tag in `prefix`). */
  constructor(options: RedisStateStoreOptions) {
    this.#options = resolveStoreOptions(options);
    this.prefix = this.#options.prefix;
    const connection = connect(options.client, options.subscriber);
    if (connection.cluster && !/\{[^}]+\}/.test(this.prefix)) {
      throw new TypeError(
        `Expected \`prefix\` to contain a hash tag such as '{tripswitch}:' with a Redis Cluster client, got '${this.prefix}': ` +
          'the scripts read several keys at once, so every key of a store must live in one slot',
      );
    }
    this.#runner = new ScriptRunner(connection, this.#options.commandTimeout);
    this.#channel = `${this.prefix}transitions`;
    this.#changesKey = `${this.prefix}changes`;
    this.#logKey = `${this.prefix}changes:log`;
    this.#reader = new KeyReader({
      runner: this.#runner,
      channel: this.#channel,
      id: this.id,
      changesKey: this.#changesKey,
      logKey: this.#logKey,
      leaseTtl: this.#options.leaseTtl,
      maxProbeTime: this.#options.maxProbeTime,
      attached: (entry) => this.#entries.get(entry.name) === entry,
      apply: (entry, state) => this.#apply(entry, state),
      malformed: (entry, why) => this.#malformed(entry, why),
      available: () => this.#available(),
    });
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
        send: (name, script, keys, args) => this.#count(name, script, keys, args),
      });
  }

  /** Listens to `error` or `recovered`; returns a function that removes the listener. A listener that throws is reported with `console.error`. */
  on<K extends keyof RedisStateStoreEvents>(event: K, listener: (event: RedisStateStoreEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Attaches a breaker; called by the breaker's constructor (`new CircuitBreaker(name, { store })`). */
  attach(port: BreakerPort): StoreLink {
    let entry = this.#entries.get(port.name);
    if (entry === undefined) {
      entry = createEntry(port.name, `${this.prefix}breaker:${port.name}`);
      this.#entries.set(port.name, entry);
    }
    const e = entry;
    e.ports.add(port);
    // A breaker restored open (`initialState`) shares it, like any open it decides.
    const own = port.sharedState();
    if (own?.state === 'open' && own.remainingMs > 0) this.#pushOpen(e, own.remainingMs, own.attempt);
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
      await this.#reconcile(true);
    } catch (error) {
      this.#unavailable(error);
      throw asStoreError(error);
    }
  }

  /** Stops the reconcile timer, gives back held leases (peers hear of it at once) and closes the subscriber connection the store opened. Breakers then decide alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#counts?.close();
    clearInterval(this.#timer);
    if (this.#soon !== undefined) clearTimeout(this.#soon);
    const held = [...this.#entries.values()].filter((e) => e.holder !== undefined);
    const releases = held.map((e) =>
      this.#runner.run(scripts.release, [e.key, this.#changesKey, this.#logKey], this.#args(e)).catch(() => {}),
    );
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
      this.#pushClose(entry);
    } else if (leftProbe) this.#release(entry);
  }

  /** Channel, origin and name: the first arguments of every writing script. */
  #args(entry: Entry): string[] {
    return [this.#channel, this.id, entry.name];
  }

  #pushOpen(entry: Entry, remainingMs: number, attempt: number): Promise<void> {
    // 'kept': the fleet was already open for longer; take its end.
    return this.#write(entry, scripts.open, [...this.#args(entry), String(Math.ceil(remainingMs)), String(attempt)]);
  }

  #pushClose(entry: Entry): Promise<void> {
    // 'kept': a peer changed it since we last looked; its news wins.
    return this.#write(entry, scripts.close, [...this.#args(entry), String(entry.applied)]);
  }

  #release(entry: Entry): void {
    entry.holder = undefined;
    this.#write(entry, scripts.release, this.#args(entry));
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
    const op = ++entry.ops;
    const args = [...this.#args(entry), String(this.#options.leaseTtl), String(entry.applied)];
    entry.acquiring++;
    this.#runner
      .run(scripts.acquire, [entry.key, this.#changesKey, this.#logKey], args)
      .finally(() => entry.acquiring--)
      .then((raw) => this.#parse(entry, raw))
      .then(
        (reply) => {
          const current = op === entry.ops;
          if (current) entry.applied = reply.version;
          if (reply.state === 'granted') {
            entry.holder = port;
            entry.grantedAt = performance.now();
            if (!port.grantProbe()) this.#release(entry);
            return;
          }
          // The request is answered in any case; an older reply is corrected by the newer one that follows it.
          const shared = sharedOf(reply);
          port.applyRemote(shared);
          if (current) this.#apply(entry, shared, port);
        },
        (error: unknown) => {
          // Answer first: a listener of the report may throw.
          port.grantProbe();
          this.#failed(entry, error);
        },
      );
  }

  /**
   * Sends shared counting's batches for `name`. The reply is validated like any key reply and, as the
   * last command sent for the key, speaks for it: a trip the script made (published to the peers like
   * any open) opens this store's breakers at once, and so does an open it finds (a read sent before
   * it no longer speaks for the key).
   */
  #count(name: string, script: Script, keys: string[], args: string[]): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry === undefined || this.#closed) return Promise.resolve();
    const op = ++entry.ops;
    return this.#runner
      .run(script, [...keys, this.#changesKey, this.#logKey], args)
      .then((raw) => {
        const reply = this.#parse(entry, raw);
        const foreign = Array.isArray(raw) ? String(raw[7] ?? '') : '';
        if (foreign !== '') this.#malformed(entry, `key "${foreign}" held a value tripswitch does not write; overwritten`);
        // News under the reader's rules: not a missing key, not a lease (the reader knows whose it is), not
        // while a local transition waits to be pushed (the reconcile pushes it first).
        if (op !== entry.ops || reply.version === 0 || reply.version === entry.applied || !this.#attached(entry)) return;
        if (reply.state === 'half_open' || entry.dirty) return;
        entry.applied = reply.version;
        this.#apply(entry, sharedOf(reply));
      })
      .catch((error: unknown) => {
        this.#failed(entry, error);
        throw error;
      });
  }

  #attached(entry: Entry): boolean {
    return !this.#closed && this.#entries.get(entry.name) === entry;
  }

  /** Runs a write; a failed one leaves the entry dirty for the next reconcile to push again. */
  #write(entry: Entry, script: Script, args: string[]): Promise<void> {
    const write = ++entry.writes;
    const op = ++entry.ops;
    return this.#runner
      .run(script, [entry.key, this.#changesKey, this.#logKey], args)
      .then((raw) => this.#parse(entry, raw))
      .then(
        (reply) => {
          if (write === entry.writes) entry.dirty = false;
          if (op !== entry.ops || reply.version === entry.applied) return;
          entry.applied = reply.version;
          // Our own write needs no applying; a peer's newer news (kept) does.
          if (reply.flag === 'kept') this.#apply(entry, sharedOf(reply));
        },
        (error: unknown) => {
          entry.dirty = true;
          this.#failed(entry, error);
        },
      );
  }

  /** Validates a reply; Redis answered, so it is healthy. Throws a MALFORMED error for a foreign value. */
  #parse(entry: Entry, raw: unknown): KeyReply {
    this.#available();
    const reply = parseKeyReply(raw, this.#options.leaseTtl);
    if (typeof reply === 'string') {
      throw new RedisStoreError(RedisStoreErrorCode.MALFORMED, `key "${entry.key}" or its reply holds ${reply}`, { key: entry.key });
    }
    entry.malformed = false;
    return reply;
  }

  /** Applies a peer's transition to every breaker of the entry (but `except`). */
  #apply(entry: Entry, state: SharedState, except?: BreakerPort): void {
    entry.holder = undefined;
    for (const port of entry.ports) if (port !== except) port.applyRemote(state);
  }

  /** Tells the other breakers of this store, synchronously, what one of them did. */
  #local(entry: Entry, origin: BreakerPort, state: SharedState): void {
    if (entry.holder !== origin) entry.holder = undefined;
    for (const port of entry.ports) if (port !== origin) port.applyRemote(state);
  }

  /** A message is a hint: the key it names is re-read (one read at a time per key) before anything is applied. */
  #onMessage(channel: string, text: string): void {
    if (channel !== this.#channel || this.#closed) return;
    const message = parseMessage(text);
    if (message === undefined) {
      if (!this.#badMessage) {
        this.#badMessage = true;
        const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
        const error = `tripswitch/redis: channel "${channel}" carried a message tripswitch did not write (${JSON.stringify(shown)}); ignored`;
        this.#events.error(new RedisStoreError(RedisStoreErrorCode.MALFORMED, error, { key: channel }));
      }
      return;
    }
    const entry = this.#entries.get(message.name);
    if (message.origin === this.id || entry === undefined || message.version === entry.applied) return;
    this.#reader.hint(entry, (error) => this.#unavailable(error));
  }

  /**
   * Pushes what Redis missed, then reads the change count: only the keys of names changed since the last
   * reconcile are read (all of them when `full`, or when the change log no longer reaches back that
   * far), plus keys not read yet and leases this store holds.
   */
  async #reconcile(full = false): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#entries.values()].filter((e) => e.dirty).map((e) => this.#push(e)));
    await this.#reader.pass([...this.#entries.values()], full);
  }

  /** Pushes the state of a breaker whose last transition Redis did not take. */
  #push(entry: Entry): Promise<void> {
    const state = entry.ports.values().next().value?.sharedState() ?? null;
    if (state === null) {
      entry.dirty = false;
      return Promise.resolve();
    }
    return state.state === 'closed' ? this.#pushClose(entry) : this.#pushOpen(entry, state.remainingMs, state.attempt);
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
    if (error instanceof RedisStoreError && error.code === RedisStoreErrorCode.MALFORMED) {
      this.#malformed(entry, error.message);
      return;
    }
    const message = messageOf(error);
    const at = message.indexOf('TRIPSWITCH_MALFORMED ');
    if (at >= 0) this.#malformed(entry, message.slice(at + 'TRIPSWITCH_MALFORMED '.length));
    else this.#unavailable(error);
  }

  #malformed(entry: Entry, detail: string): void {
    if (entry.malformed) return;
    entry.malformed = true;
    const message = `tripswitch/redis: ${detail}; not applied: breaker "${entry.name}" decides locally until the key is deleted or expires`;
    this.#events.error(new RedisStoreError(RedisStoreErrorCode.MALFORMED, message, { key: entry.key }));
  }

  #unavailable(error: unknown): void {
    if (this.#closed || !this.#healthy) return;
    this.#healthy = false;
    const cause = asStoreError(error);
    const message = `${cause.message}; breakers decide locally and re-sync when it answers again`;
    this.#events.error(new RedisStoreError(cause.code, message, { cause: error }));
  }

  #available(): void {
    if (this.#healthy || this.#closed) return;
    this.#healthy = true;
    this.#reader.forget();
    this.#events.recovered();
    this.#reconcileSoon();
  }
}
