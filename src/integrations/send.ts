import { CallTimeoutError, type CircuitBreaker, CircuitState, isCircuitOpenError } from 'tripswitch';
import { isReplayableBody, isReplayableRequest, type ResponseLike } from './replay.js';
import { type ResolvedRetry, retryDelay } from './retry.js';

/** How requests are sent: one attempt's timeout, the budget of all attempts, the retry policy. */
export interface SendPolicy {
  readonly fetch: typeof globalThis.fetch | undefined;
  /** Milliseconds one attempt may take until the response headers arrive, or `false`. */
  readonly timeout: number | false;
  /** Milliseconds all attempts and the waits between them may take together, or `false`. */
  readonly totalTimeout: number | false;
  readonly retry: ResolvedRetry | false;
  readonly isFailureResponse: (response: ResponseLike) => boolean;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly clock: { now(): number };
}

/** Carries a cancellation by the caller through the breaker, which ignores it: cancelling is not a host failure. */
export class CallerAbort {
  readonly reason: unknown;
  constructor(reason: unknown) {
    this.reason = reason;
  }
}

/** A timeout is a timeout whoever set it: `AbortSignal.timeout()` aborts with a `TimeoutError` DOMException. */
function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}

function isRequest(input: unknown): input is Request {
  return typeof Request !== 'undefined' && input instanceof Request;
}

async function attempt(
  breaker: CircuitBreaker,
  policy: SendPolicy,
  input: string | URL | Request,
  init: RequestInit | undefined,
  signal: AbortSignal | undefined,
  limit: number | undefined,
): Promise<Response> {
  // An already aborted signal fires no 'abort' event: stop here rather than send the request.
  if (signal?.aborted) throw new CallerAbort(signal.reason);
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer =
    limit === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new CallTimeoutError(breaker.name, limit));
        }, limit);
  try {
    const request = isRequest(input) ? input.clone() : input;
    return await (policy.fetch ?? globalThis.fetch)(request, { ...init, signal: controller.signal });
  } catch (error) {
    if (timedOut) throw new CallTimeoutError(breaker.name, limit as number, { cause: error });
    if (signal?.aborted) {
      // The caller's own deadline passed: the host was too slow, which counts. Any other abort does not.
      if (isTimeoutReason(signal.reason)) throw signal.reason;
      throw new CallerAbort(signal.reason);
    }
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Whether the request's body can be sent again byte for byte (see {@link isReplayableBody}). */
export function canReplay(input: string | URL | Request, init: RequestInit | undefined): boolean {
  if (init?.body !== undefined && init.body !== null) return isReplayableBody(init.body);
  return isRequest(input) ? isReplayableRequest(input) : true;
}

type Outcome = { readonly response: Response } | { readonly error: unknown };

function settle(outcome: Outcome): Response {
  if ('error' in outcome) throw outcome.error;
  return outcome.response;
}

/**
 * Sends a request through `breaker`, retrying failed attempts as `policy` allows. Returns the last
 * response, whatever its status, or throws the last error; a caller's abort passes through unchanged.
 */
export async function send(
  breaker: CircuitBreaker,
  policy: SendPolicy,
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<Response> {
  const method = (init?.method ?? (isRequest(input) ? input.method : 'GET')).toUpperCase();
  const signal = init?.signal ?? (isRequest(input) ? input.signal : undefined) ?? undefined;
  const { retry, clock, timeout, totalTimeout } = policy;
  const retries = retry !== false && retry.methods.includes(method) && canReplay(input, init) ? retry.retries : 0;
  const deadline = totalTimeout === false ? Number.POSITIVE_INFINITY : clock.now() + totalTimeout;
  for (let n = 0; ; n++) {
    const remaining = Math.max(1, Math.ceil(deadline - clock.now()));
    const limit = timeout === false ? (totalTimeout === false ? undefined : remaining) : Math.min(timeout, remaining);
    let outcome: Outcome;
    try {
      outcome = { response: await breaker.call(attempt, breaker, policy, input, init, signal, limit) };
    } catch (error) {
      if (error instanceof CallerAbort) throw error.reason;
      outcome = { error };
    }
    const failed =
      'error' in outcome ? !isCircuitOpenError(outcome.error) : guarded(() => policy.isFailureResponse(outcome.response), false);
    if (retry === false || n >= retries || !failed || signal?.aborted) return settle(outcome);
    // Ask the breaker first: when this failure opened it, the next attempt would be rejected, so the
    // server's real answer is worth more than a wait followed by a CircuitOpenError.
    const state = breaker.state;
    if (state !== CircuitState.CLOSED && state !== CircuitState.DISABLED) return settle(outcome);
    const retryAfter = 'response' in outcome ? guarded(() => outcome.response.headers.get('retry-after'), null) : null;
    const delay = retryDelay(retry, n, policy.random, retryAfter);
    // The server asks for a longer pause than we wait, or the pause would outlast the budget.
    if (delay === undefined || clock.now() + delay >= deadline) return settle(outcome);
    if ('response' in outcome) await cancelBody(outcome.response);
    await policy.sleep(delay, signal);
  }
}

/**
 * Runs user code or reads a foreign object; its throw becomes `otherwise`. The breaker already reports a
 * throwing `isFailureResponse` (to `listenerError`) and counts the answer as a success; so does this loop.
 */
function guarded<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

/** Frees the connection of a response that will not be read; a body of another shape is left alone. */
async function cancelBody(response: Response): Promise<void> {
  const body = response.body as { cancel?: () => Promise<void> } | null | undefined;
  if (typeof body?.cancel === 'function') await body.cancel().catch(() => {});
}
