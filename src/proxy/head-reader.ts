import type { Socket } from 'node:net';
import { checkRequestLine, HeadError, headEnd } from '../protocol/http-head.js';
import { readFirstBytes } from '../transport/first-bytes.js';

export interface HeadRead {
  /** The head's bytes, CRLFCRLF included. */
  head: Buffer;
  /** Bytes that arrived after the head in the same reads (frames or a body): forwarded as they are. */
  rest: Buffer;
}

export class HeadTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete head within ${timeoutMs} ms`);
  }
}

export class PeerClosedError extends Error {
  constructor() {
    super('the peer closed before sending a complete head');
  }
}

export interface HeadReadOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Requests: check the request line as soon as it is there (answers non-HTTP at once). */
  request: boolean;
}

/**
 * Reads one HTTP head from a socket and stops reading there (the socket is left paused), so the
 * caller decides where the following bytes go. Bounded in size (431 for requests, 502 for
 * responses) and in time (slowloris, an upstream that never answers).
 */
export function readHead(socket: Socket, options: HeadReadOptions): Promise<HeadRead> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new HeadTimeoutError(options.timeoutMs)), options.timeoutMs);

    const finish = (error: Error | null, result?: HeadRead) => {
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve(result!);
    };
    const onData = (chunk: Buffer) => {
      // Search only the new bytes (plus 3 for a CRLFCRLF that straddles two reads).
      const from = Math.max(0, buffered.length - 3);
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        if (options.request) checkRequestLine(buffered);
      } catch (error) {
        return finish(error as Error);
      }
      const end = headEnd(from === 0 ? buffered : buffered.subarray(from));
      const at = end === -1 ? -1 : end + from;
      if (at === -1 || at > options.maxBytes) {
        if (buffered.length > options.maxBytes || at > options.maxBytes) {
          const status = options.request ? 431 : 502;
          return finish(new HeadError(status, `head larger than ${options.maxBytes} bytes`));
        }
        return;
      }
      finish(null, { head: buffered.subarray(0, at), rest: buffered.subarray(at) });
    };
    const stop = readFirstBytes(socket, { data: onData, gone: () => finish(new PeerClosedError()), error: (error) => finish(error) });
  });
}
