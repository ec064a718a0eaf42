import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer a {@link TestServer} gives on a path: status, headers and body (JSON when an object). */
export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** What the server received in one request: the bytes of its body are counted per attempt. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly bytes: number;
  readonly headers: IncomingMessage['headers'];
}

export interface TestServer {
  readonly url: string;
  readonly host: string;
  readonly seen: ReceivedRequest[];
  /** Answers the next requests to `path` with `answers`, in order; then 200 `status 200`. */
  script(path: string, ...answers: ScriptedAnswer[]): void;
  /** Answers every request to `path` with `answer` until changed. */
  always(path: string, answer: ScriptedAnswer): void;
  /** Resolves once the server has received one more request. */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 and an ephemeral port. Requests to `/hang` are never answered.
 * `cleanups` collects its close function for an `afterEach`.
 */
export async function startServer(cleanups: Array<() => Promise<void>>): Promise<TestServer> {
  const scripts = new Map<string, ScriptedAnswer[]>();
  const fixed = new Map<string, ScriptedAnswer>();
  const seen: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const arrived: Array<() => void> = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      // A client that gives up mid-body: record what arrived.
    }
    const data = Buffer.concat(chunks);
    const path = req.url ?? '/';
    seen.push({ method: req.method ?? '', path, body: data.toString('utf8'), bytes: data.length, headers: req.headers });
    for (const wake of arrived.splice(0)) wake();
    if (path === '/hang') {
      hanging.push(res);
      return;
    }
    const answer = scripts.get(path)?.shift() ?? fixed.get(path) ?? { status: 200 };
    const json = answer.body !== undefined && typeof answer.body !== 'string';
    const body = answer.body === undefined ? `status ${answer.status}` : json ? JSON.stringify(answer.body) : String(answer.body);
    res.writeHead(answer.status, { 'content-type': json ? 'application/json' : 'text/plain', ...answer.headers });
    res.end(answer.status === 204 ? undefined : body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    script: (path, ...answers) => void scripts.set(path, answers),
    always: (path, answer) => void fixed.set(path, answer),
    nextRequest: () => new Promise<void>((resolve) => arrived.push(resolve)),
    close,
  };
}
