import type { Socket } from 'node:net';
import type { TlsHello } from '../faults/hooks.js';
import { HelloError, isHostName, parseHello } from './hello.js';

/** The first TLS handshake record type: a first byte 0x16 means TLS (SPEC §10). */
export const TLS_HANDSHAKE = 0x16;

export type HelloRead =
  | { kind: 'plain' }
  | { kind: 'hello'; hello: TlsHello }
  /** The client left before the first byte or inside the hello. */
  | { kind: 'gone' }
  | { kind: 'bad'; cause: 'protocol' | 'timeout' | 'reset'; detail: string };

/**
 * Reads the first bytes of a connection: plain traffic is handed back untouched, a TLS
 * ClientHello is read whole (across any number of reads), bounded in size and in time. Every
 * byte read is put back (`unshift`), so OpenSSL or the HTTP path reads the stream from its start.
 */
export function readHello(socket: Socket, timeoutMs: number): Promise<HelloRead> {
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish({ kind: 'bad', cause: 'timeout', detail: `no complete ClientHello within ${timeoutMs} ms` }), timeoutMs);
    const finish = (result: HelloRead) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      if ((result.kind === 'plain' || result.kind === 'hello') && buffered.length > 0) socket.unshift(buffered);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (buffered[0] !== TLS_HANDSHAKE) return finish({ kind: 'plain' });
      try {
        const hello = parseHello(buffered);
        if (!hello) return;
        // An SNI that is no host name (an IP, a 16 KiB string) is served as no SNI at all.
        const sni = hello.sni !== null && isHostName(hello.sni) ? hello.sni.toLowerCase().replace(/\.$/, '') : null;
        finish({ kind: 'hello', hello: { sni, alpn: hello.alpn } });
      } catch (error) {
        if (!(error instanceof HelloError)) throw error;
        finish({ kind: 'bad', cause: 'protocol', detail: error.message });
      }
    };
    const onEnd = () => finish(buffered.length === 0 ? { kind: 'gone' } : { kind: 'bad', cause: 'protocol', detail: 'the client left inside its ClientHello' });
    const onError = (error: Error & { code?: string }) => finish({ kind: 'bad', cause: 'reset', detail: error.code ?? error.message });
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.resume();
  });
}
