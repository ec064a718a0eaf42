import type { SharedState } from '../storage/state-store.js';

/** The longest duration any breaker can use (timers overflow beyond): no open period or lease read from Redis may be longer. */
export const MAX_DURATION_MS = 2 ** 31 - 1;
/** Versions stay below 2^53 (where Lua's doubles stop counting) with room for bumps. */
export const MAX_VERSION = 9_007_199_254_000_000;

/** One key's state as a script answered it, validated. */
export interface KeyReply {
  /** `granted`: the probe lease is ours now. `half_open`: a peer holds it. */
  readonly state: 'open' | 'closed' | 'half_open' | 'granted';
  readonly version: number;
  readonly remainingMs: number;
  readonly attempt: number;
  /** `set`: this store's write took effect. `kept`: the key already held newer news. `1`/`0`: the lease read is ours or not. */
  readonly flag: string;
}

const states: ReadonlySet<string> = new Set(['open', 'closed', 'half_open', 'granted']);

function integer(text: unknown, max: number): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/**
 * Validates a script's answer for one key: a known state, a version below 2^53, an open period no
 * longer than {@link MAX_DURATION_MS}, a lease no longer than `leaseTtl`. Returns why it is not, as text.
 */
export function parseKeyReply(raw: unknown, leaseTtl: number): KeyReply | string {
  if (!Array.isArray(raw)) return `an unexpected script reply ${String(raw)}`;
  const parts = raw.map((p: unknown) => (typeof p === 'string' ? p : p instanceof Uint8Array ? new TextDecoder().decode(p) : String(p)));
  const [state = '', v, remaining = '0', a = '0', flag = ''] = parts;
  if (state === 'malformed') return parts[1] ?? 'malformed';
  if (!states.has(state)) return `an unknown state ${JSON.stringify(state)}`;
  const version = integer(v, MAX_VERSION);
  const attempt = integer(a, MAX_DURATION_MS);
  const lease = state === 'half_open' || state === 'granted';
  const remainingMs = integer(remaining, lease ? leaseTtl : MAX_DURATION_MS);
  if (version === undefined) return `a version that is not an integer below 2^53 (${String(v)})`;
  if (attempt === undefined) return `an attempt out of range (${a})`;
  if (remainingMs === undefined) {
    return lease
      ? `a probe lease of ${remaining} ms, longer than leaseTtl (${leaseTtl} ms)`
      : `an open period of ${remaining} ms, longer than any breaker can open (${MAX_DURATION_MS} ms)`;
  }
  return { state: state as KeyReply['state'], version, remainingMs, attempt, flag };
}

/** The state a reply asks breakers to take: a peer's lease means open until it lapses. */
export function sharedOf(reply: KeyReply): SharedState {
  if (reply.state === 'closed') return { state: 'closed' };
  return { state: 'open', remainingMs: reply.remainingMs, attempt: Math.max(1, reply.attempt) };
}

/** A channel message, validated: `version|state|remainingMs|attempt|origin|name`. */
export interface Message {
  readonly version: number;
  readonly origin: string;
  readonly name: string;
}

const messagePattern = /^(\d{1,16})\|(open|closed|half_open)\|(\d{1,10})\|(\d{1,10})\|([^|]*)\|([\s\S]+)$/;

/** Parses a channel message; `undefined` when it is not one tripswitch writes. */
export function parseMessage(text: string): Message | undefined {
  const match = messagePattern.exec(text);
  if (match === null) return undefined;
  const version = Number(match[1]);
  if (version > MAX_VERSION || Number(match[3]) > MAX_DURATION_MS || Number(match[4]) > MAX_DURATION_MS) return undefined;
  return { version, origin: match[5] as string, name: match[6] as string };
}
