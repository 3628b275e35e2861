import type { Socket } from 'node:net';
import type { TlsHello } from '../faults/hooks.js';
import { readFirstBytes } from '../transport/first-bytes.js';
import { HelloError, isHostName, parseHello } from './hello.js';

/** The first TLS handshake record type: a first byte 0x16 means TLS (SPEC §10). */
export const TLS_HANDSHAKE = 0x16;

export type HelloRead =
  | { kind: 'plain' }
  | { kind: 'hello'; hello: TlsHello }
  /** The client left before the first byte or inside the hello. */
  | { kind: 'gone' }
  /** Not one byte within the time: no TLS client (it speaks first), a plain one yet to send its head. */
  | { kind: 'silent' }
  | { kind: 'bad'; cause: 'protocol' | 'timeout' | 'reset'; detail: string };

/**
 * Reads the first bytes of a connection: plain traffic is handed back untouched, a TLS
 * ClientHello is read whole (across any number of reads), bounded in size and in time. Every
 * byte read is put back (`unshift`), so OpenSSL or the HTTP path reads the stream from its start.
 */
export function readHello(socket: Socket, timeoutMs: number): Promise<HelloRead> {
  return new Promise((resolve) => {
    // Grown by doubling, so a hello arriving one byte per read costs O(n), not O(n²).
    let store = Buffer.alloc(0);
    let size = 0;
    let need = 1;
    let buffered = store.subarray(0, 0);
    const timer = setTimeout(() => finish(size === 0 ? { kind: 'silent' } : { kind: 'bad', cause: 'timeout', detail: `no complete ClientHello within ${timeoutMs} ms` }), timeoutMs);
    const finish = (result: HelloRead) => {
      clearTimeout(timer);
      stop();
      // A copy: the store is not kept alive (or reused) behind the bytes handed on.
      if ((result.kind === 'plain' || result.kind === 'hello') && size > 0) socket.unshift(Buffer.from(buffered));
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > store.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * store.length, size + chunk.length, 512));
        store.copy(grown, 0, 0, size);
        store = grown;
      }
      chunk.copy(store, size);
      size += chunk.length;
      buffered = store.subarray(0, size);
      if (buffered[0] !== TLS_HANDSHAKE) return finish({ kind: 'plain' });
      if (size < need) return;
      try {
        const hello = parseHello(buffered);
        if ('need' in hello) {
          need = hello.need;
          return;
        }
        // An SNI that is no host name (an IP, a 16 KiB string) is served as no SNI at all.
        const sni = hello.sni !== null && isHostName(hello.sni) ? hello.sni.toLowerCase().replace(/\.$/, '') : null;
        finish({ kind: 'hello', hello: { sni, alpn: hello.alpn } });
      } catch (error) {
        if (!(error instanceof HelloError)) throw error;
        finish({ kind: 'bad', cause: 'protocol', detail: error.message });
      }
    };
    const stop = readFirstBytes(socket, {
      data: onData,
      gone: () => finish(buffered.length === 0 ? { kind: 'gone' } : { kind: 'bad', cause: 'protocol', detail: 'the client left inside its ClientHello' }),
      error: (error) => finish({ kind: 'bad', cause: 'reset', detail: error.code ?? error.message }),
    });
  });
}
