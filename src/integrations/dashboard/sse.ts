import type { ServerResponse } from 'node:http';

/** Bytes a client may leave unread before it is dropped: a stalled tab must not grow the server's memory. */
const MAX_BUFFERED = 1 << 20;

/**
 * One server-sent-events response. Each message is written once as `event:` and `data:` lines; a client
 * that stops reading is disconnected (its browser reconnects and starts from a fresh snapshot).
 */
export class SseStream {
  readonly #res: ServerResponse;
  #open = true;
  /** Bytes written so far, for the figures in the README. */
  bytes = 0;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.#write('retry: 2000\n\n');
  }

  /** Whether the stream still accepts messages. */
  get open(): boolean {
    return this.#open && !this.#res.destroyed;
  }

  /** Sends one event whose `data` is `json` (a single line). Returns false once the stream is closed. */
  send(event: string, json: string): boolean {
    if (!this.open) return false;
    if (this.#res.writableLength > MAX_BUFFERED) {
      this.close();
      return false;
    }
    this.#write(`event: ${event}\ndata: ${json}\n\n`);
    return true;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#res.end();
  }

  #write(text: string): void {
    this.bytes += Buffer.byteLength(text);
    this.#res.write(text);
  }
}
