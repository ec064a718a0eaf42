import type { CircuitState } from './state.js';

const brand = Symbol.for('tripswitch.error');

/** Stable codes carried by every tripswitch error, safe to compare across package copies. */
export const ErrorCode = {
  CIRCUIT_OPEN: 'ERR_CIRCUIT_OPEN',
  CALL_TIMEOUT: 'ERR_CIRCUIT_CALL_TIMEOUT',
  BREAKER_NOT_FOUND: 'ERR_CIRCUIT_BREAKER_NOT_FOUND',
  DUPLICATE_NAME: 'ERR_CIRCUIT_BREAKER_DUPLICATE_NAME',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every error tripswitch raises itself. User errors are never wrapped in it: they are
 * rethrown unchanged.
 *
 * @example
 * try { await getUser(id) } catch (error) {
 *   if (isCircuitBreakerError(error)) console.warn(error.code);
 * }
 */
export class CircuitBreakerError extends Error {
  override readonly name: string = 'CircuitBreakerError';
  /** A stable, machine-readable code. */
  readonly code: ErrorCode;

  static {
    // The brand lives on the prototype: defining it on every instance made each rejection ~15% slower.
    Object.defineProperty(CircuitBreakerError.prototype, brand, { value: true });
  }

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Fields of a {@link CircuitOpenError}. */
export interface CircuitOpenErrorFields {
  /** The breaker that rejected the call. */
  readonly breakerName: string;
  /** The state that rejected it: `open`, `half_open` (no trial slot free) or `forced_open`. */
  readonly state: CircuitState;
  /**
   * Milliseconds until the breaker will let a trial call through: the remaining recovery timeout when
   * open, `0` when half-open (retry once the trial calls settle), `null` when forced open (unknown).
   */
  readonly retryAfterMs: number | null;
}

/**
 * Thrown (or rejected with) when the breaker refuses to run a call. The wrapped function was not called.
 * Created without a stack trace by default: it is a control-flow signal, and a stack costs microseconds;
 * set `captureStackTrace: true` on the breaker to keep them.
 *
 * @example
 * try { await getUser(id) } catch (error) {
 *   if (isCircuitOpenError(error)) res.setHeader('Retry-After', Math.ceil((error.retryAfterMs ?? 30_000) / 1000));
 * }
 */
export class CircuitOpenError extends CircuitBreakerError implements CircuitOpenErrorFields {
  override readonly name = 'CircuitOpenError';
  readonly breakerName: string;
  readonly state: CircuitState;
  readonly retryAfterMs: number | null;

  static {
    // Errors built by createCircuitOpenError() have no own message or stack: these derive them from the fields.
    Object.defineProperties(CircuitOpenError.prototype, {
      message: {
        get(this: CircuitOpenError): string {
          return openMessage(this);
        },
        set: ownValue('message'),
        configurable: true,
      },
      stack: {
        get(this: CircuitOpenError): string {
          return `${this.name}: ${this.message}`;
        },
        set: ownValue('stack'),
        configurable: true,
      },
    });
  }

  constructor(fields: CircuitOpenErrorFields, options?: ErrorOptions) {
    super(ErrorCode.CIRCUIT_OPEN, openMessage(fields), options);
    this.breakerName = fields.breakerName;
    this.state = fields.state;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

function openMessage(fields: CircuitOpenErrorFields): string {
  const after = fields.retryAfterMs === null ? '' : `; retry after ${Math.ceil(fields.retryAfterMs)} ms`;
  return `Circuit "${fields.breakerName}" is ${fields.state}${after}`;
}

/** A setter that gives the instance its own (writable, non-enumerable) property, as `Error` does. */
function ownValue(key: string): (this: object, value: unknown) => void {
  return function (this: object, value: unknown): void {
    Object.defineProperty(this, key, { value, writable: true, configurable: true, enumerable: false });
  };
}

/**
 * A {@link CircuitOpenError} for a rejected call. Without `captureStack` it is built from the prototype,
 * with no trip through `Error`'s constructor (which costs microseconds even with stack capture off):
 * still `instanceof CircuitOpenError` and `Error`, with the same `name`, `code`, fields, `message`, and
 * a one-line `stack`.
 */
export function createCircuitOpenError(
  breakerName: string,
  state: CircuitState,
  retryAfterMs: number | null,
  captureStack: boolean,
): CircuitOpenError {
  if (captureStack) return new CircuitOpenError({ breakerName, state, retryAfterMs });
  const error = Object.create(CircuitOpenError.prototype) as { -readonly [K in keyof CircuitOpenError]: CircuitOpenError[K] };
  error.name = 'CircuitOpenError';
  error.code = ErrorCode.CIRCUIT_OPEN;
  error.breakerName = breakerName;
  error.state = state;
  error.retryAfterMs = retryAfterMs;
  return error as CircuitOpenError;
}

/** Raised when a call runs longer than the breaker's `timeout`; it counts as a failure. */
export class CallTimeoutError extends CircuitBreakerError {
  override readonly name = 'CallTimeoutError';
  readonly breakerName: string;
  readonly timeoutMs: number;

  constructor(breakerName: string, timeoutMs: number, options?: ErrorOptions) {
    super(ErrorCode.CALL_TIMEOUT, `Call through circuit "${breakerName}" timed out after ${timeoutMs} ms`, options);
    this.breakerName = breakerName;
    this.timeoutMs = timeoutMs;
  }
}

/** Builds an error with V8's stack capture switched off, unless `captureStack` is set. */
export function withoutStack<E extends Error>(captureStack: boolean, build: () => E): E {
  if (captureStack) return build();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/**
 * True for any error raised by tripswitch, also one from another copy of the package (ESM and CJS
 * side by side) or another realm.
 */
export function isCircuitBreakerError(error: unknown): error is CircuitBreakerError {
  return (
    error instanceof CircuitBreakerError ||
    (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true)
  );
}

/** True when `error` is a {@link CircuitOpenError}, from this or another copy of the package. */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return error instanceof CircuitOpenError || (isCircuitBreakerError(error) && hasName(error, 'CircuitOpenError'));
}

/** True when `error` is a {@link CallTimeoutError}, from this or another copy of the package. */
export function isCallTimeoutError(error: unknown): error is CallTimeoutError {
  return error instanceof CallTimeoutError || (isCircuitBreakerError(error) && hasName(error, 'CallTimeoutError'));
}
