/**
 * What a response must look like for the fetch wrapper and the service client to read it: a numeric
 * `status` and `headers` with `get()`. Checked by shape, not `instanceof Response`, so that responses of
 * node-fetch, undici from npm, other realms and test doubles count like the global one.
 */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body?: unknown;
}

/** Whether `value` has the shape of an HTTP response: `status` a number, `headers.get` a function. */
export function isResponseLike(value: unknown): value is ResponseLike {
  if (typeof value !== 'object' || value === null) return false;
  const { status, headers } = value as { status?: unknown; headers?: { get?: unknown } | null };
  return typeof status === 'number' && typeof headers === 'object' && headers !== null && typeof headers.get === 'function';
}

/**
 * Whether a `RequestInit.body` can be sent again, byte for byte: absent, a string, `Blob`, `ArrayBuffer`,
 * a typed array or `DataView`, `FormData` or `URLSearchParams`. Streams, async iterables (a Node
 * `Readable` is one) and anything unknown cannot: a second attempt would send what is left of them.
 */
export function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) return true;
  return false;
}

/**
 * Whether a `Request` can be sent again. One without a body always can. Whether a body came from a
 * stream is not part of the Fetch API: undici (Node's fetch) keeps the source beside the stream, and a
 * stream has none; where that cannot be read the answer is no, so a request is never sent half-empty.
 */
export function isReplayableRequest(request: Request): boolean {
  if (request.body === null) return true;
  for (const key of Object.getOwnPropertySymbols(request)) {
    const state = (request as unknown as Record<symbol, unknown>)[key] as { body?: { source?: unknown } | null } | undefined;
    if (typeof state === 'object' && state !== null && typeof state.body === 'object' && state.body !== null && 'source' in state.body) {
      const source = state.body.source;
      return source !== null && source !== undefined && isReplayableBody(source);
    }
  }
  return false;
}
