import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'tripswitch';
import { renderPage } from './page.js';
import { Sampler } from './sampler.js';
import { SseStream } from './sse.js';

/** Where the dashboard writes the manual actions it performs or refuses. `console` fits; so do pino (see README) and winston. */
export interface DashboardLogger {
  info(message: string, fields: DashboardActionFields): void;
  warn(message: string, fields: DashboardActionFields): void;
}

/** The structured fields of an action log line. */
export interface DashboardActionFields {
  readonly circuit: string;
  readonly action: string;
  /** `done`, or why it was refused. */
  readonly outcome: 'done' | 'read_only' | 'denied' | 'bad_request' | 'not_found';
  /** The client's address, as the socket sees it. */
  readonly remoteAddress: string | undefined;
}

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /**
   * The registry whose breakers the page shows.
   * @default the default registry (`CircuitBreaker.registry`)
   */
  readonly registry?: Registry;
  /**
   * Decides whether a request may trip, reset or disable breakers. Without it the dashboard is read-only:
   * the page shows no buttons and every action is refused with 403. Called for the page (to show the
   * buttons) and for each action. A throw or rejection counts as a refusal.
   * @default undefined (read-only)
   * @example
   * authorize: (req) => req.headers.authorization === `Bearer ${process.env.OPS_TOKEN}`
   */
  readonly authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
  /**
   * Receives a line for every action performed (`info`) or refused (`warn`).
   * @default console
   */
  readonly logger?: DashboardLogger;
  /**
   * Milliseconds between two samples: the page's figures and sparkline move at this pace.
   * @default 1000
   */
  readonly intervalMs?: number;
  /**
   * Samples kept per breaker for the sparkline.
   * @default 180 (3 minutes at the default interval)
   */
  readonly historySize?: number;
  /**
   * Heading of the page.
   * @default 'Circuit breakers'
   */
  readonly title?: string;
}

/**
 * A request handler for node:http, Express (`app.use(path, handler)`) and Fastify (`reply.hijack()`, then
 * `handler(req.raw, reply.raw)`). It answers the page itself (any GET), `<page>/events` (the live stream)
 * and `POST <page>/actions` (manual actions, when `authorize` allows). `close()` ends every stream.
 */
export interface DashboardHandler {
  (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void): void;
  /** Ends every open stream and stops sampling. */
  close(): void;
}

const actions = ['trip', 'reset', 'disable'] as const;
type Action = (typeof actions)[number];

/** A header the page sets on actions: a cross-site form cannot, so a forged POST is refused. */
export const ACTION_HEADER = 'x-tripswitch-dashboard';

function checkPositiveInteger(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const got = typeof value === 'string' ? `"${value}"` : String(value);
    throw new RangeError(`Expected \`${option}\` to be an integer of at least ${min}, got ${got} (${typeof value})`);
  }
  return value;
}

/**
 * Serves a live dashboard of every breaker in a registry: one self-contained page (no CDN, no build
 * step) fed by server-sent events. Read-only unless `authorize` is given.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { dashboard } from 'tripswitch/dashboard';
 * const circuits = dashboard();
 * createServer((req, res) => {
 *   if (req.url?.startsWith('/circuits')) return circuits(req, res);
 *   res.end('hello');
 * }).listen(3000);
 */
export function dashboard(options: DashboardOptions = {}): DashboardHandler {
  const registry = options.registry ?? Registry.default;
  if (!(registry instanceof Registry)) throw new TypeError(`Expected \`registry\` to be a Registry, got ${String(registry)}`);
  const authorize = options.authorize;
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError(`Expected \`authorize\` to be a function, got ${typeof authorize}`);
  }
  const logger = options.logger ?? console;
  const intervalMs = checkPositiveInteger('intervalMs', options.intervalMs ?? 1000, 100);
  const historySize = checkPositiveInteger('historySize', options.historySize ?? 180, 1);
  const title = options.title ?? 'Circuit breakers';
  // Several updates a second at most: one per interval, and transitions no closer than 200 ms apart.
  const sampler = new Sampler(registry, { intervalMs, historySize, minGapMs: Math.min(200, intervalMs) });
  const streams = new Set<SseStream>();

  const allowed = async (request: IncomingMessage): Promise<boolean> => {
    if (authorize === undefined) return false;
    try {
      return (await authorize(request)) === true;
    } catch {
      return false;
    }
  };

  // A throwing logger must not turn a performed action into an error answer: its error goes to stderr.
  const log = (level: 'info' | 'warn', message: string, fields: DashboardActionFields): void => {
    try {
      logger[level](message, fields);
    } catch (error) {
      console.error('tripswitch dashboard: the logger threw', error);
    }
  };

  const serveEvents = (response: ServerResponse): void => {
    const stream = new SseStream(response);
    streams.add(stream);
    const { snapshot, unsubscribe } = sampler.subscribe((update) => {
      if (!stream.send('update', JSON.stringify(update))) leave();
    });
    const leave = (): void => {
      unsubscribe();
      streams.delete(stream);
      stream.close();
    };
    response.on('close', leave);
    stream.send('snapshot', JSON.stringify(snapshot));
  };

  const serveAction = async (request: IncomingMessage, response: ServerResponse, query: URLSearchParams): Promise<void> => {
    const circuit = query.get('circuit') ?? '';
    const action = query.get('action') ?? '';
    const fields = (outcome: DashboardActionFields['outcome']): DashboardActionFields => ({
      circuit,
      action,
      outcome,
      remoteAddress: request.socket?.remoteAddress,
    });
    const refuse = (status: number, outcome: DashboardActionFields['outcome'], why: string): void => {
      log('warn', `tripswitch dashboard: refused ${action || 'an action'} on circuit "${circuit}": ${why}`, fields(outcome));
      sendJson(response, status, { error: why });
    };
    if (authorize === undefined) return refuse(403, 'read_only', 'the dashboard is read-only (no authorize option)');
    if (request.headers[ACTION_HEADER] !== '1' || !(await allowed(request))) return refuse(403, 'denied', 'not authorized');
    if (!actions.includes(action as Action)) return refuse(400, 'bad_request', `action must be one of ${actions.join(', ')}`);
    const breaker = registry.find(circuit);
    if (breaker === undefined) return refuse(404, 'not_found', 'no such circuit');
    breaker[action as Action]();
    log('info', `tripswitch dashboard: ${action} circuit "${circuit}", now ${breaker.state}`, fields('done'));
    sendJson(response, 200, { circuit, state: breaker.state });
  };

  const handler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const method = request.method ?? 'GET';
    const run = async (): Promise<void> => {
      if (path.endsWith('/actions')) {
        if (method !== 'POST') return sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
        return serveAction(request, response, url.searchParams);
      }
      if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      if (path.endsWith('/events')) return serveEvents(response);
      const nonce = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('base64');
      const html = renderPage({ title, nonce, canAct: await allowed(request) });
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'x-content-type-options': 'nosniff',
      });
      response.end(method === 'HEAD' ? undefined : html);
    };
    run().catch((error: unknown) => {
      if (next !== undefined) next(error);
      else if (!response.headersSent) sendJson(response, 500, { error: 'dashboard error' });
      else response.destroy();
    });
  };

  return Object.assign(handler, {
    close(): void {
      for (const stream of streams) stream.close();
      streams.clear();
      sampler.close();
    },
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}
