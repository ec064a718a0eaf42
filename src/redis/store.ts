import type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from '../storage/state-store.js';
import { checkDuration, checkKnownKeys, checkName, invalid } from '../validate.js';
import { connect, type RedisClient, type RedisConnection, type Subscriber } from './client.js';
import { RedisStoreError, RedisStoreErrorCode } from './errors.js';
import { type Script, scripts } from './scripts.js';

/** Options of a {@link RedisStateStore}. Durations are milliseconds. */
export interface RedisStateStoreOptions {
  /** An ioredis 6 or node-redis 6 client (connected, for node-redis). The store never closes it. */
  readonly client: RedisClient;
  /**
   * A client of the same library for pub/sub. A subscribed connection can run no other command, so
   * by default the store duplicates `client` and closes the duplicate in `close()`.
   * @default client.duplicate()
   */
  readonly subscriber?: RedisClient;
  /**
   * Prefix of every key and of the channel; stores with the same prefix (and Redis) share state.
   * @default 'tripswitch:'
   */
  readonly prefix?: string;
  /**
   * Longest wait for any Redis answer; past it the command counts as failed and breakers decide locally.
   * @default 1000
   */
  readonly commandTimeout?: number;
  /**
   * How often the store re-reads the state of every attached breaker, to catch transitions whose
   * message was missed (a reconnect, a dropped subscriber) and to renew a held probe lease.
   * @default 5000
   */
  readonly reconcileInterval?: number;
  /**
   * How long the half-open probe lease lasts unless renewed. The holder renews it every reconcile, so
   * a peer takes over only when the holder stops answering for this long (it crashed, say).
   * @default 15000
   */
  readonly leaseTtl?: number;
}

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

const storeOptionNames: ReadonlySet<string> = new Set([
  'client',
  'subscriber',
  'prefix',
  'commandTimeout',
  'reconcileInterval',
  'leaseTtl',
]);
const reconcileBatch = 500;

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
  readonly #connection: RedisConnection;
  readonly #subscriber: Subscriber;
  readonly #channel: string;
  readonly #commandTimeout: number;
  readonly #leaseTtl: number;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners: { [K in keyof RedisStateStoreEvents]: Set<(event: RedisStateStoreEvents[K]) => void> } = {
    error: new Set(),
    recovered: new Set(),
  };
  readonly #timer: ReturnType<typeof setInterval>;
  #subscribed: Promise<void> | undefined;
  #healthy = true;
  #closed = false;
  #reconciling: Promise<void> | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;

  /** @throws {TypeError | RangeError} for an invalid option, naming it. */
  constructor(options: RedisStateStoreOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
    checkKnownKeys('RedisStateStore', options, storeOptionNames);
    this.prefix = options.prefix === undefined ? 'tripswitch:' : checkName('prefix', options.prefix);
    this.#commandTimeout = options.commandTimeout === undefined ? 1000 : checkDuration('commandTimeout', options.commandTimeout, false);
    this.#leaseTtl = Math.ceil(options.leaseTtl === undefined ? 15_000 : checkDuration('leaseTtl', options.leaseTtl, false));
    const interval = options.reconcileInterval === undefined ? 5000 : checkDuration('reconcileInterval', options.reconcileInterval, false);
    this.#connection = connect(options.client, options.subscriber);
    this.#channel = `${this.prefix}transitions`;
    this.#subscriber = this.#connection.subscriber(
      (channel, message) => this.#onMessage(channel, message),
      (error) => this.#unavailable(error),
    );
    this.#subscribe().catch(() => {});
    this.#timer = setInterval(() => this.#tick(), interval);
    // The store must never keep a process alive on its own.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Listens to `error` or `recovered`; returns a function that removes the listener. */
  on<K extends keyof RedisStateStoreEvents>(event: K, listener: (event: RedisStateStoreEvents[K]) => void): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Attaches a breaker; called by the breaker's constructor (`new CircuitBreaker(name, { store })`). */
  attach(port: BreakerPort): StoreLink {
    let entry = this.#entries.get(port.name);
    if (entry === undefined) {
      entry = {
        name: port.name,
        key: `${this.prefix}breaker:${port.name}`,
        ports: new Set(),
        seen: 0,
        holder: undefined,
        dirty: false,
        writes: 0,
        malformed: false,
      };
      this.#entries.set(port.name, entry);
    }
    const e = entry;
    e.ports.add(port);
    this.#reconcileSoon();
    return {
      transitioned: (change) => this.#transitioned(e, port, change),
      requestProbe: () => this.#requestProbe(e, port),
      detach: () => {
        if (e.holder === port) {
          e.holder = undefined;
          this.#write(e, scripts.release, [this.id], undefined);
        }
        e.ports.delete(port);
        if (e.ports.size === 0) this.#entries.delete(e.name);
      },
    };
  }

  /**
   * Re-syncs now: pushes local transitions Redis missed, then reads the state of every attached breaker.
   * @throws {RedisStoreError} (as a rejection) when Redis does not answer within `commandTimeout`.
   */
  async sync(): Promise<void> {
    await this.#timed(this.#subscribe());
    await this.#reconcile(true);
  }

  /** Stops the reconcile timer, gives back held leases and closes the subscriber connection the store opened. Breakers then decide alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    if (this.#soon !== undefined) clearTimeout(this.#soon);
    const releases = [...this.#entries.values()]
      .filter((e) => e.holder !== undefined)
      .map((e) => this.#eval(scripts.release, [e.key], [this.id]).catch(() => {}));
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
      const args = [this.#channel, this.id, entry.name, String(Math.ceil(change.remainingMs)), String(change.attempt)];
      this.#write(entry, scripts.open, args, (reply) => {
        if (reply[4] === 'kept') this.#apply(entry, { state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });
      });
    } else if (change.to === 'closed' && (change.from === 'open' || change.from === 'half_open')) {
      this.#local(entry, port, { state: 'closed' });
      this.#close(entry, change.reason === 'manual_reset' ? '' : String(entry.seen));
    } else if (leftProbe) {
      this.#write(entry, scripts.release, [this.id], undefined);
    }
  }

  #close(entry: Entry, expected: string): void {
    this.#write(entry, scripts.close, [this.#channel, this.id, entry.name, expected], (reply) => {
      // A peer opened it since we last looked: its news wins.
      if (reply[0] === 'open') this.#apply(entry, { state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });
    });
  }

  #requestProbe(entry: Entry, port: BreakerPort): void {
    if (this.#closed || !this.#healthy) {
      port.grantProbe();
      return;
    }
    if (entry.holder !== undefined && entry.holder !== port) {
      // A sibling in this process probes; its outcome reaches this breaker directly.
      const own = port.sharedState();
      port.applyRemote({ state: 'open', remainingMs: this.#leaseTtl, attempt: own?.state === 'open' ? own.attempt : 1 });
      return;
    }
    this.#eval(scripts.acquire, [entry.key], [this.id, String(this.#leaseTtl), String(entry.seen)]).then(
      (raw) => {
        const reply = this.#ok(entry, raw);
        if (reply[0] === 'granted') {
          entry.holder = port;
          if (!port.grantProbe()) {
            entry.holder = undefined;
            this.#write(entry, scripts.release, [this.id], undefined);
          }
        } else if (reply[0] === 'closed') this.#apply(entry, { state: 'closed' });
        else port.applyRemote({ state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });
      },
      (error: unknown) => {
        this.#failed(entry, error);
        port.grantProbe();
      },
    );
  }

  /** Runs a write; a failed one leaves the entry dirty for the next reconcile to push again. */
  #write(entry: Entry, script: Script, args: string[], then: ((reply: string[]) => void) | undefined): Promise<void> {
    const write = ++entry.writes;
    return this.#eval(script, [entry.key], args).then(
      (raw) => {
        const reply = this.#ok(entry, raw);
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
    this.#available();
    entry.malformed = false;
    const reply = (raw as unknown[]).map(String);
    const version = Number(reply[1]);
    if (version > entry.seen) entry.seen = version;
    return reply;
  }

  /** Applies shared state to every breaker of the entry (a peer's transition). */
  #apply(entry: Entry, state: SharedState): void {
    entry.holder = undefined;
    for (const port of entry.ports) port.applyRemote(state);
  }

  /** Tells the other breakers of this store, synchronously, what one of them did. */
  #local(entry: Entry, origin: BreakerPort, state: SharedState): void {
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
    else if (parts[1] === 'open') this.#apply(entry, { state: 'open', remainingMs: Number(parts[2]), attempt: Number(parts[3]) });
  }

  async #reconcile(throwing: boolean): Promise<void> {
    if (this.#closed) return;
    try {
      await Promise.all([...this.#entries.values()].filter((e) => e.dirty).map((e) => this.#push(e)));
      const entries = [...this.#entries.values()];
      for (let i = 0; i < entries.length; i += reconcileBatch) {
        const batch = entries.slice(i, i + reconcileBatch);
        const flags = batch.map((e) => (e.holder === undefined ? '0' : '1'));
        const raw = (await this.#eval(
          scripts.reconcile,
          batch.map((e) => e.key),
          [this.id, String(this.#leaseTtl), ...flags],
        )) as unknown[];
        this.#available();
        for (const [j, entry] of batch.entries()) this.#reconciled(entry, (raw[j] as unknown[]).map(String));
      }
    } catch (error) {
      this.#unavailable(error);
      if (throwing) throw this.#asStoreError(error);
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
    if (reply[0] === 'closed') this.#apply(entry, { state: 'closed' });
    else this.#apply(entry, { state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });
  }

  /** Pushes the state of a breaker whose last transition Redis did not take. */
  #push(entry: Entry): Promise<void> {
    const state = entry.ports.values().next().value?.sharedState() ?? null;
    if (state === null) {
      entry.dirty = false;
      return Promise.resolve();
    }
    if (state.state === 'closed') {
      return this.#write(entry, scripts.close, [this.#channel, this.id, entry.name, String(entry.seen)], (reply) => {
        if (reply[0] === 'open') this.#apply(entry, { state: 'open', remainingMs: Number(reply[2]), attempt: Number(reply[3]) });
      });
    }
    const args = [this.#channel, this.id, entry.name, String(Math.ceil(state.remainingMs)), String(state.attempt)];
    return this.#write(entry, scripts.open, args, undefined);
  }

  #tick(): void {
    if (this.#closed || this.#reconciling !== undefined) return;
    if (this.#entries.size === 0) return;
    this.#subscribe().catch(() => {});
    this.#reconciling = this.#reconcile(false).finally(() => {
      this.#reconciling = undefined;
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

  /** EVALSHA, falling back to EVAL once when Redis does not hold the script yet; bounded by `commandTimeout`. */
  #eval(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    const run = this.#connection.command(['EVALSHA', script.sha, ...tail]).catch((error: unknown) => {
      if (!String((error as Error | null)?.message).includes('NOSCRIPT')) throw error;
      return this.#connection.command(['EVAL', script.source, ...tail]);
    });
    return this.#timed(run);
  }

  #timed<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new RedisStoreError(
              RedisStoreErrorCode.UNAVAILABLE,
              `tripswitch/redis: no answer from Redis within ${this.#commandTimeout} ms`,
            ),
          ),
        this.#commandTimeout,
      );
      (timer as { unref?: () => void }).unref?.();
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #failed(entry: Entry, error: unknown): void {
    const message = String((error as Error | null)?.message ?? error);
    const at = message.indexOf('TRIPSWITCH_MALFORMED');
    if (at >= 0) this.#malformed(entry, message.slice(at + 'TRIPSWITCH_MALFORMED '.length));
    else this.#unavailable(error);
  }

  #malformed(entry: Entry, detail: string): void {
    if (entry.malformed) return;
    entry.malformed = true;
    this.#emitError(
      new RedisStoreError(
        RedisStoreErrorCode.MALFORMED,
        `tripswitch/redis: ${detail}; breaker "${entry.name}" decides locally until the key is deleted or expires`,
        { key: entry.key },
      ),
    );
  }

  #asStoreError(error: unknown): RedisStoreError {
    if (error instanceof RedisStoreError) return error;
    const message = String((error as Error | null)?.message ?? error);
    return new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, `tripswitch/redis: Redis did not answer (${message})`, { cause: error });
  }

  #unavailable(error: unknown): void {
    if (this.#closed || !this.#healthy) return;
    this.#healthy = false;
    const cause = this.#asStoreError(error);
    this.#emitError(
      new RedisStoreError(RedisStoreErrorCode.UNAVAILABLE, `${cause.message}; breakers decide locally and re-sync when it answers again`, {
        cause: error,
      }),
    );
  }

  #available(): void {
    if (this.#healthy || this.#closed) return;
    this.#healthy = true;
    for (const listener of this.#listeners.recovered) listener(undefined);
    this.#reconcileSoon();
  }

  #emitError(error: RedisStoreError): void {
    if (this.#listeners.error.size === 0) {
      // Never crash a process because Redis is away; never hide it either.
      console.error(error);
      return;
    }
    for (const listener of this.#listeners.error) listener(error);
  }
}
