import type { ResponseLike } from '../replay.js';
import { ServiceResponseError } from './errors.js';

/** A response the JSON helpers can read: the shape of `Response` with `text()`. */
export type ReadableResponse = ResponseLike & { text(): Promise<string> };

/** Where an answer came from, for the error it may raise. */
export interface AnswerContext {
  readonly service: string;
  readonly method: string;
  readonly url: string;
}

function isJson(response: ResponseLike): boolean {
  const type = response.headers.get('content-type')?.toLowerCase() ?? '';
  return /^application\/(?:[\w.+-]+\+)?json\b/.test(type.trim());
}

/**
 * The body of `response`: `undefined` when empty (204, 205 or no bytes), parsed JSON when the
 * content type says JSON, the text otherwise. A 2xx answer with unreadable JSON raises
 * {@link ServiceResponseError}; any other status raises it with the body the server sent. Gives any
 * fetch (a `createFetch()` client, say) the service client's raise-for-status and JSON handling.
 * @example
 * const response = await http(url);
 * const user = await readAnswer<User>(response, { service: 'users', method: 'GET', url });
 */
export async function readAnswer<T>(response: ReadableResponse, context: AnswerContext): Promise<T> {
  const { status } = response;
  const ok = status >= 200 && status < 300;
  const text = status === 204 || status === 205 ? '' : await response.text();
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && isJson(response)) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      if (ok) {
        throw new ServiceResponseError(
          `${context.method} ${context.url} answered ${status} with a body that is not JSON`,
          { ...context, status, body: text },
          { cause: error },
        );
      }
    }
  }
  if (!ok) throw new ServiceResponseError(`${context.method} ${context.url} answered ${status}`, { ...context, status, body });
  return body as T;
}
