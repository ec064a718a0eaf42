import { type CircuitOpenError, type HealthOptions, isCircuitOpenError, Registry } from 'tripswitch';

/** A framework-neutral HTTP answer: status, lower-case headers and a JSON-ready body. */
export interface HttpResponseInit {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** Options of {@link toHttpResponse} and the helpers built on it. */
export interface CircuitOpenResponseOptions {
  /**
   * HTTP status for a rejected call.
   * @default 503
   */
  readonly status?: number;
  /**
   * `Retry-After` seconds when the error carries no retry time (a `forced_open` breaker); `null` omits the header.
   * @default null
   */
  readonly defaultRetryAfterSeconds?: number | null;
}

/**
 * Seconds for `Retry-After` from a rejection's `retryAfterMs`: rounded up, at least 1 so that clients
 * do not retry in a tight loop while the half-open trial runs; `null` when the time is unknown.
 */
export function retryAfterSeconds(error: Pick<CircuitOpenError, 'retryAfterMs'>): number | null {
  return error.retryAfterMs === null ? null : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
}

/**
 * Turns a {@link CircuitOpenError} into an HTTP 503 answer with `Retry-After`; any other value gives
 * `undefined`, so the caller's own error handling runs.
 * @example
 * const answer = toHttpResponse(error);
 * if (answer) return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
 */
export function toHttpResponse(error: unknown, options: CircuitOpenResponseOptions = {}): HttpResponseInit | undefined {
  if (!isCircuitOpenError(error)) return undefined;
  const seconds = retryAfterSeconds(error) ?? options.defaultRetryAfterSeconds ?? null;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (seconds !== null) headers['retry-after'] = String(seconds);
  return {
    status: options.status ?? 503,
    headers,
    body: {
      error: 'service_unavailable',
      message: error.message,
      circuit: error.breakerName,
      state: error.state,
      retryAfterSeconds: seconds,
    },
  };
}

/**
 * The same answer as a WHATWG `Response`, for fetch-style servers (Hono, Next.js route handlers, Deno,
 * Bun, workers); `undefined` for any error other than {@link CircuitOpenError}.
 * @example
 * catch (error) { return toFetchResponse(error) ?? new Response('internal error', { status: 500 }); }
 */
export function toFetchResponse(error: unknown, options?: CircuitOpenResponseOptions): Response | undefined {
  const answer = toHttpResponse(error, options);
  return answer === undefined ? undefined : new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
}

/** The parts of Node's `ServerResponse` (and Express's `res`) the helpers use. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(chunk: string): unknown;
}

/** The parts of Fastify's `reply` the helpers use. */
export interface FastifyReplyLike {
  code(status: number): unknown;
  header(name: string, value: string): unknown;
  send(payload: unknown): unknown;
}

function isFastifyReply(res: NodeResponseLike | FastifyReplyLike): res is FastifyReplyLike {
  return typeof (res as FastifyReplyLike).code === 'function' && typeof (res as FastifyReplyLike).send === 'function';
}

/** Writes `answer` to a Node `ServerResponse`, an Express `res` or a Fastify `reply`. */
export function sendHttpResponse(res: NodeResponseLike | FastifyReplyLike, answer: HttpResponseInit): void {
  if (isFastifyReply(res)) {
    res.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) res.header(name, value);
    res.send(JSON.stringify(answer.body));
    return;
  }
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(answer.body));
}

/**
 * Answers a {@link CircuitOpenError} with 503 and `Retry-After` on a Node, Express or Fastify response;
 * returns `false` (writing nothing) for any other error.
 * @example
 * app.setErrorHandler((error, _req, reply) => respondCircuitOpen(error, reply) || reply.send(error)); // Fastify
 */
export function respondCircuitOpen(
  error: unknown,
  res: NodeResponseLike | FastifyReplyLike,
  options?: CircuitOpenResponseOptions,
): boolean {
  const answer = toHttpResponse(error, options);
  if (answer === undefined) return false;
  sendHttpResponse(res, answer);
  return true;
}

/**
 * An Express error handler (4 arguments) that answers {@link CircuitOpenError} with 503 and passes
 * every other error to `next`.
 * @example
 * app.use(circuitOpenHandler());
 */
export function circuitOpenHandler(
  options?: CircuitOpenResponseOptions,
): (error: unknown, req: unknown, res: NodeResponseLike, next: (error?: unknown) => void) => void {
  return (error, _req, res, next) => {
    if (!respondCircuitOpen(error, res, options)) next(error);
  };
}

/** Options of {@link healthResponse}. */
export interface HealthResponseOptions extends HealthOptions {
  /**
   * The registry to report. @default the default registry
   */
  readonly registry?: Registry;
  /**
   * HTTP status while degraded. 200 keeps load balancers from pulling an instance whose own code works
   * but whose dependency is down; set 503 if a degraded dependency should take the instance out.
   * @default 200
   */
  readonly degradedStatus?: number;
}

/**
 * The `/health/circuits` answer: `registry.health()` as JSON, 200 when healthy, `degradedStatus` otherwise.
 * @example
 * app.get('/health/circuits', (_req, res) => sendHttpResponse(res, healthResponse()));
 */
export function healthResponse(options: HealthResponseOptions = {}): HttpResponseInit {
  const { registry = Registry.default, degradedStatus = 200, ...healthOptions } = options;
  const report = registry.health(healthOptions);
  return {
    status: report.status === 'healthy' ? 200 : degradedStatus,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: report as unknown as Record<string, unknown>,
  };
}
