/**
 * The few Redis operations the store needs, over either client library. Typed structurally so that
 * neither `ioredis` nor `redis` is imported: both are optional peer dependencies.
 */

// biome-ignore lint/suspicious/noExplicitAny: listeners of both libraries take library-specific arguments
type AnyListener = (...args: any[]) => void;

/** The part of an ioredis 6 client the store uses (`new Redis()` or a `Cluster` node client). */
export interface IORedisClient {
  readonly status: string;
  call(command: string, ...args: string[]): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: ioredis's duplicate takes its own options type
  duplicate(override?: any): IORedisClient;
  subscribe(...channels: string[]): Promise<unknown>;
  on(event: string, listener: AnyListener): unknown;
  off(event: string, listener: AnyListener): unknown;
  disconnect(): void;
}

/** The part of a node-redis 6 client (`createClient()` from `redis`) the store uses. */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): NodeRedisClient;
  connect(): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: node-redis's listener type is generic over buffer mode
  subscribe(channels: string, listener: (message: any, channel: any) => unknown): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: see subscribe
  unsubscribe(channels: string, listener: (message: any, channel: any) => unknown): Promise<void>;
  on(event: string, listener: AnyListener): unknown;
  off(event: string, listener: AnyListener): unknown;
  destroy(): void;
}

/** A client of either library. */
export type RedisClient = IORedisClient | NodeRedisClient;

/** A pub/sub connection: subscribing is idempotent; closing frees a connection the store opened. */
export interface Subscriber {
  subscribe(channel: string): Promise<void>;
  close(): void;
}

/** The store's view of a client. */
export interface RedisConnection {
  /** Whether the client is a Redis Cluster client (every key of a store must then share one slot). */
  readonly cluster: boolean;
  /** Sends one command and resolves with its reply. */
  command(args: readonly string[]): Promise<unknown>;
  /**
   * Opens the pub/sub connection: `subscriber` when given (left open by `close()`), otherwise a
   * duplicate of the client (closed by `close()`), because a subscribed connection can run no other command.
   */
  subscriber(onMessage: (channel: string, message: string) => void, onError: (error: unknown) => void): Subscriber;
}

// ioredis also has a `sendCommand` (taking Command objects): tell them apart by `status` and `isOpen`.
function isIORedis(client: RedisClient): client is IORedisClient {
  return typeof (client as IORedisClient).status === 'string' && typeof (client as IORedisClient).call === 'function';
}

function isNodeRedis(client: RedisClient): client is NodeRedisClient {
  return (
    !isIORedis(client) &&
    typeof (client as NodeRedisClient).isOpen === 'boolean' &&
    typeof (client as NodeRedisClient).sendCommand === 'function'
  );
}

/** Wraps an ioredis or node-redis client, told apart by their shape. Throws a `TypeError` for anything else. */
export function connect(client: unknown, subscriber: unknown, name = 'client'): RedisConnection {
  for (const [option, value] of [[name, client] as const, ['subscriber', subscriber] as const]) {
    if (typeof value === 'object' && value !== null && ('masters' in value || '_slots' in value)) {
      throw new TypeError(
        `Expected \`${option}\` to be an ioredis or node-redis client, got a node-redis cluster client (createCluster), ` +
          "which tripswitch/redis does not support: use ioredis `Cluster` with a hash tag in `prefix` ('{tripswitch}:')",
      );
    }
  }
  const c = client as RedisClient;
  if (typeof client !== 'object' || client === null || !(isNodeRedis(c) || isIORedis(c))) {
    throw new TypeError(`Expected \`${name}\` to be an ioredis or node-redis client, got ${String(client)}`);
  }
  if (
    subscriber !== undefined &&
    (typeof subscriber !== 'object' || subscriber === null || isNodeRedis(c) !== isNodeRedis(subscriber as RedisClient))
  ) {
    throw new TypeError(`Expected \`subscriber\` to be a client of the same library as \`${name}\`, got ${String(subscriber)}`);
  }
  return isNodeRedis(c)
    ? nodeRedis(c, subscriber as NodeRedisClient | undefined)
    : ioredis(c as IORedisClient, subscriber as IORedisClient | undefined);
}

function ioredis(client: IORedisClient, given: IORedisClient | undefined): RedisConnection {
  const cluster = (client as { isCluster?: unknown }).isCluster === true;
  return {
    cluster,
    command: ([name, ...args]) => settle(() => client.call(name as string, ...args)),
    subscriber(onMessage, onError) {
      // Our own connection queues SUBSCRIBE while Redis is away instead of failing it, and resubscribes after reconnects.
      // A Cluster's duplicate() takes startup nodes first: keep its options as they are.
      const sub =
        given ??
        (cluster ? client.duplicate() : client.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, autoResubscribe: true }));
      const message = (channel: string, text: string) => onMessage(String(channel), String(text));
      sub.on('message', message);
      sub.on('error', onError);
      return {
        subscribe: async (channel) => {
          await sub.subscribe(channel);
        },
        close: () => {
          sub.off('message', message);
          sub.off('error', onError);
          if (given === undefined) sub.disconnect();
        },
      };
    },
  };
}

function nodeRedis(client: NodeRedisClient, given: NodeRedisClient | undefined): RedisConnection {
  return {
    cluster: false,
    command: (args) => settle(() => client.sendCommand(args)),
    subscriber(onMessage, onError) {
      const sub = given ?? client.duplicate();
      // node-redis throws from emit('error') when nobody listens: our own connection must always have a listener.
      sub.on('error', onError);
      let subscribed: Promise<void> | undefined;
      let listening: string | undefined;
      let closed = false;
      const listener = (text: unknown, from: unknown) => onMessage(String(from ?? listening), String(text));
      return {
        subscribe: (channel) => {
          // node-redis keeps one listener per call and resubscribes by itself after a reconnect: subscribe once.
          subscribed ??= (async () => {
            if (!sub.isOpen) await sub.connect();
            // Closed while connecting: destroy() came too early to stop the connection.
            if (closed && given === undefined) return sub.destroy();
            listening = channel;
            await sub.subscribe(channel, listener);
          })();
          subscribed.catch(() => {
            subscribed = undefined;
          });
          return subscribed;
        },
        close: () => {
          closed = true;
          // Our own connection keeps its error listener: destroying it may still emit.
          if (given === undefined) {
            if (sub.isOpen) sub.destroy();
          } else {
            sub.off('error', onError);
            if (listening !== undefined) sub.unsubscribe(listening, listener).catch(onError);
          }
        },
      };
    },
  };
}

/** A client that throws instead of rejecting (a closed node-redis client) still answers with a rejection. */
function settle<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}
