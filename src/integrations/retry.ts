import { checkDuration, checkInteger, checkKnownKeys, invalid } from '../validate.js';

/** Retry policy of `createFetch`. */
export interface RetryOptions {
  /**
   * Attempts after the first one.
   * @default 2
   */
  readonly retries?: number;
  /**
   * Upper bound of the first backoff, in milliseconds; each retry doubles it (times `factor`).
   * @default 200
   */
  readonly minDelay?: number;
  /**
   * Cap of the backoff, in milliseconds.
   * @default 10000
   */
  readonly maxDelay?: number;
  /**
   * Growth of the backoff per retry.
   * @default 2
   */
  readonly factor?: number;
  /**
   * Methods that may be retried: only idempotent ones, since a retried POST may act twice.
   * @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']
   */
  readonly methods?: readonly string[];
  /**
   * Longest `Retry-After` the client waits for, in milliseconds; a longer one ends the retries and the
   * response is returned as it is.
   * @default 60000
   */
  readonly maxRetryAfter?: number;
}

/** A retry policy with every default filled in. */
export interface ResolvedRetry {
  readonly retries: number;
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly methods: readonly string[];
  readonly maxRetryAfter: number;
}

const retryOptionNames: ReadonlySet<string> = new Set(['retries', 'minDelay', 'maxDelay', 'factor', 'methods', 'maxRetryAfter']);

/** More retries than this is a loop, not a policy. */
const maxRetries = 100;

function boundedDelay(option: string, value: unknown): number {
  const ms = checkDuration(option, value);
  if (ms > maxDelayMs) throw invalid(option, `at most ${maxDelayMs} ms`, value, RangeError);
  return ms;
}

/** Validates the `retry` option once and fills in defaults; `false` for no retries. */
export function resolveRetry(value: RetryOptions | boolean): ResolvedRetry | false {
  if (value === false) return false;
  const o: RetryOptions = value === true ? {} : value;
  if (typeof o !== 'object' || o === null) throw invalid('retry', 'a boolean or retry options', value);
  checkKnownKeys('retry', o, retryOptionNames);
  const factor = o.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1)
    throw invalid('retry.factor', 'a finite number >= 1', factor, RangeError);
  const methods = o.methods ?? ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];
  if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string'))
    throw invalid('retry.methods', 'an array of method names', methods);
  const retries = o.retries === undefined ? 2 : checkInteger('retry.retries', o.retries, 0);
  if (retries > maxRetries) throw invalid('retry.retries', `an integer from 0 to ${maxRetries}`, retries, RangeError);
  return Object.freeze({
    retries,
    minDelay: o.minDelay === undefined ? 200 : boundedDelay('retry.minDelay', o.minDelay),
    maxDelay: o.maxDelay === undefined ? 10_000 : boundedDelay('retry.maxDelay', o.maxDelay),
    factor,
    methods: Object.freeze(methods.map((m) => m.toUpperCase())),
    maxRetryAfter: o.maxRetryAfter === undefined ? 60_000 : boundedDelay('retry.maxRetryAfter', o.maxRetryAfter),
  });
}

/** The longest pause any duration here may ask for: timers overflow past 2^31 - 1 ms. */
export const maxDelayMs = 2 ** 31 - 1;

const days = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const longDays = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const month = months.join('|');
const time = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110, section 5.6.7: IMF-fixdate, then the two obsolete forms a recipient must still accept.
const imfFixdate = new RegExp(`^(?:${days}), (\\d{2}) (${month}) (\\d{4}) ${time} GMT$`);
const rfc850Date = new RegExp(`^(?:${longDays}), (\\d{2})-(${month})-(\\d{2}) ${time} GMT$`);
const asctimeDate = new RegExp(`^(?:${days}) (${month}) ( \\d|\\d{2}) ${time} (\\d{4})$`);

type DateParts = [day: string, month: string, year: number, hour: string, minute: string, second: string];

function matchImf(text: string): DateParts | undefined {
  const m = imfFixdate.exec(text);
  return m === null ? undefined : [m[1] as string, m[2] as string, Number(m[3]), m[4] as string, m[5] as string, m[6] as string];
}

function matchRfc850(text: string, now: number): DateParts | undefined {
  const m = rfc850Date.exec(text);
  if (m === null) return undefined;
  let year = 2000 + Number(m[3]);
  if (year > new Date(now).getUTCFullYear() + 50) year -= 100;
  return [m[1] as string, m[2] as string, year, m[4] as string, m[5] as string, m[6] as string];
}

function matchAsctime(text: string): DateParts | undefined {
  const m = asctimeDate.exec(text);
  return m === null ? undefined : [(m[2] as string).trim(), m[1] as string, Number(m[6]), m[3] as string, m[4] as string, m[5] as string];
}

/**
 * Reads an HTTP-date (RFC 9110, section 5.6.7) as epoch milliseconds, or `null` when it is not one of
 * its three forms or names no real time (31 February, 25:00). A two-digit year that would lie more
 * than 50 years ahead is read in the previous century, as the RFC asks.
 */
export function parseHttpDate(text: string, now: number = Date.now()): number | null {
  const parts = matchImf(text) ?? matchRfc850(text, now) ?? matchAsctime(text);
  if (parts === undefined) return null;
  const [day, monthName, year, hour, minute, second] = parts;
  const monthIndex = months.indexOf(monthName);
  const d = Number(day);
  const h = Number(hour);
  const min = Number(minute);
  const s = Number(second);
  if (h > 23 || min > 59 || s > 60) return null;
  const at = Date.UTC(year, monthIndex, d, h, min, Math.min(s, 59));
  // Date.UTC rolls 31 February over into March: a date that does not come back as written is not a date.
  const check = new Date(at);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== monthIndex) return null;
  return at;
}

/**
 * Milliseconds the `Retry-After` header asks for, per RFC 9110 (section 10.2.3): delta-seconds (digits
 * only) or an HTTP-date; anything else (`1.5`, `60 seconds`, `12/31/2099`) gives `null`, as does an
 * absent header. A date in the past gives 0; every answer is at most 2^31 - 1 ms.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(maxDelayMs, Number(value) * 1000);
  const date = parseHttpDate(value, now);
  return date === null ? null : Math.min(maxDelayMs, Math.max(0, date - now));
}

/**
 * The pause before retry number `n + 1` (n from 0): full jitter over an exponential ceiling,
 * `random() * min(maxDelay, minDelay * factor ** n)`, but never shorter than the server's `Retry-After`.
 * `undefined` when `Retry-After` asks for more than `maxRetryAfter`.
 */
export function retryDelay(policy: ResolvedRetry, n: number, random: () => number, retryAfter: string | null): number | undefined {
  const ceiling = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** n);
  const backoff = Math.floor(random() * ceiling);
  const asked = parseRetryAfter(retryAfter);
  if (asked === null) return backoff;
  if (asked > policy.maxRetryAfter) return undefined;
  return Math.max(backoff, asked);
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as it aborts, and clears its timer. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
