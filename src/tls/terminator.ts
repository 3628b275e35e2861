import { Server, type Socket } from 'node:net';
import tls from 'node:tls';
import type { TlsHello, TlsVerdict } from '../faults/hooks.js';
import type { Secured, SecureHost, Terminator } from '../proxy/secure.js';
import { ownWrappedReads } from '../transport/owned-reads.js';
import { readHello } from './read-hello.js';
import type { Issuer, ServeProfile } from './issuer.js';

type ErrorCause = 'cert-rejected' | 'closed' | 'reset' | 'timeout' | 'protocol';

/**
 * Node feeds the ClientHello put back by readHello to OpenSSL before its first socket read, and
 * the input buffer ring it keeps per TLS socket takes the size of its first buffer from that
 * first write: 1 KiB (Node's minimum) instead of a socket read's 64 KiB. The ring never shrinks
 * or regrows, so every later read would be capped at 1 KiB and 16 KiB in turn (8.5 KiB on
 * average against 40 KiB on a socket Node read itself). A server with a `resumeSession`
 * listener makes Node parse the ClientHello itself, and for that it starts the ring at 16 KiB:
 * reads of 16 KiB, half as many. The listener has no session to resume (as before: tickets
 * still resume, session ids never did), so nothing else changes. Documented API only;
 * test/tls/read-size.test.ts fails if Node stops doing this. docs/PERFORMANCE.md, TLS.
 */
const sessionParser = new Server();
sessionParser.on('resumeSession', (_id: Buffer, done: (error: Error | null, session: Buffer | null) => void) => done(null, null));

/**
 * TLS on the proxy's own listener (SPEC §10): a first byte 0x16 is a TLS handshake record, so
 * the ClientHello is read here, the TLS faults decide what happens to it, and otherwise a
 * certificate for its server name is served with ALPN `http/1.1` only. The decrypted stream then
 * goes on to the HTTP and WebSocket path like a plain socket. Anything else is plain traffic.
 */
export class TlsTerminator implements Terminator {
  constructor(private readonly issuer: Issuer) {}

  async secure(host: SecureHost): Promise<Secured> {
    const deadline = performance.now() + host.timeoutMs;
    const read = await readHello(host.client, host.timeoutMs);
    if (read.kind === 'plain') return { stream: host.client };
    if (read.kind === 'silent') return { stream: host.client, silent: true };
    if (read.kind !== 'hello') {
      if (read.kind === 'bad') host.emit('tls.error', { conn: host.conn, cause: read.cause, detail: read.detail });
      host.ended(read.kind === 'bad' && read.cause === 'reset' ? 'rst' : 'fin');
      return null;
    }
    const hello: TlsHello = read.hello;
    const profile: ServeProfile = {};
    for (const fault of host.faults(hello.sni)) {
      const verdict: void | TlsVerdict = await fault.hooks.onClientHello?.(hello);
      if (host.client.destroyed) return null;
      if (!verdict) continue;
      host.applied(fault.name);
      if (verdict.action === 'serve') Object.assign(profile, withoutAction(verdict));
      else return this.breakHandshake(host, verdict, fault.name);
    }
    return this.handshake(host, hello, profile, deadline);
  }

  /**
   * A TLS fault ends the handshake after the ClientHello: stall, close, or a reply of its own. The
   * handshake then did not finish, so it is a `tls.error` like any other (SPEC §6), and the
   * reconnect report counts the attempt as `tls-error`; the detail names the fault that did it.
   */
  private breakHandshake(host: SecureHost, verdict: Exclude<TlsVerdict, { action: 'serve' }>, fault: string): null {
    const client = host.client;
    const failed = (cause: ErrorCause, what: string) => host.emit('tls.error', { conn: host.conn, cause, detail: `${what} (fault ${fault})` });
    // Whatever else the client sends is read and dropped: it cannot fill a buffer, and after a
    // FIN of the proxy's the client's own FIN is seen at once (a paused socket would sit until
    // the close timeout).
    client.on('data', () => {});
    client.resume();
    if (verdict.action === 'close') {
      failed(verdict.how === 'rst' ? 'reset' : 'closed', verdict.how === 'rst' ? 'the proxy reset the connection after the ClientHello' : 'the proxy closed the connection after the ClientHello');
      host.ended(verdict.how);
    } else if (verdict.action === 'reply') {
      failed('protocol', 'the proxy answered the ClientHello with something other than a ServerHello');
      client.write(verdict.bytes);
      host.ended('fin');
    } else {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        host.emit('tls.error', { conn: host.conn, cause: 'closed', detail: 'the client left while the handshake stalled' });
        host.ended('fin');
      };
      client.once('end', leave);
      client.once('close', leave);
      if (Number.isFinite(verdict.afterMs)) {
        const timer = setTimeout(() => {
          left = true;
          failed('timeout', `the handshake stalled for ${verdict.afterMs} ms, then the proxy closed it`);
          host.ended('fin');
        }, verdict.afterMs);
        client.once('close', () => clearTimeout(timer));
      }
    }
    return null;
  }

  private async handshake(host: SecureHost, hello: TlsHello, profile: ServeProfile, deadline: number): Promise<Secured> {
    let context: tls.SecureContext;
    try {
      context = await this.issuer.context(hello.sni, profile);
    } catch (error) {
      host.emit('tls.error', { conn: host.conn, cause: 'protocol', detail: `no certificate for ${hello.sni ?? 'a client without SNI'}: ${(error as Error).message}` });
      host.ended('rst');
      return null;
    }
    if (host.client.destroyed) return null;
    const raw = host.client;
    const secure = new tls.TLSSocket(raw, { isServer: true, server: sessionParser, secureContext: context, ALPNProtocols: profile.alpn ?? ['http/1.1'] });
    // Decrypted records into the proxy's buffers, not a fresh ArrayBuffer each (owned-reads.ts).
    ownWrappedReads(secure);
    // A TLSSocket's handle is not TCP, so a RST is sent through the socket under it.
    secure.resetAndDestroy = () => {
      raw.resetAndDestroy();
      secure.destroy();
      return secure;
    };
    // A FIN passes on as a FIN once the connection is up (closing in kind), as on the raw socket.
    secure.allowHalfOpen = true;
    // Read while the handshake runs, so a client that gives up (a FIN) is seen; data that arrives
    // with the client's Finished is kept and put back for the HTTP path.
    const early: Buffer[] = [];
    const keep = (chunk: Buffer) => early.push(chunk);
    secure.on('data', keep);
    const outcome = await new Promise<ErrorCause | null>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
      const done = (cause: ErrorCause | null, detail?: string) => {
        clearTimeout(timer);
        secure.off('secure', onSecure);
        secure.off('end', onClose);
        secure.off('close', onClose);
        if (cause) host.emit('tls.error', { conn: host.conn, cause, detail: detail ?? cause });
        resolve(cause);
      };
      const onSecure = () => done(null);
      const onClose = () => done('closed', 'the client closed during the TLS handshake');
      secure.once('secure', onSecure);
      secure.once('end', onClose);
      secure.once('close', onClose);
      secure.once('error', (error: Error & { code?: string }) => done(classify(error), `${error.code ?? ''} ${error.message}`.trim()));
    });
    secure.off('data', keep);
    secure.pause();
    if (outcome !== null) {
      if (outcome === 'timeout') host.emit('tls.error', { conn: host.conn, cause: 'timeout', detail: `no TLS handshake within ${host.timeoutMs} ms` });
      secure.destroy();
      if (!raw.destroyed) raw.destroy();
      host.ended('fin');
      return null;
    }
    if (early.length > 0) secure.unshift(Buffer.concat(early));
    secure.on('error', () => {}); // from now on the connection's pair hears errors as a close
    host.emit('tls.handshake', {
      conn: host.conn,
      sni: hello.sni,
      alpn: typeof secure.alpnProtocol === 'string' ? secure.alpnProtocol : null,
      version: secure.getProtocol() ?? '',
      resumed: secure.isSessionReused(),
    });
    return { stream: secure as unknown as Socket, ...(hello.sni !== null ? { sni: hello.sni } : {}) };
  }
}

function withoutAction(verdict: Extract<TlsVerdict, { action: 'serve' }>): ServeProfile {
  const { action: _action, ...profile } = verdict;
  return profile;
}

/** Server-side TLS failures as mockttp sorts them: what the client did, from OpenSSL's words. */
export function classify(error: Error & { code?: string }): ErrorCause {
  const text = `${error.code ?? ''} ${error.message}`.toLowerCase();
  if (/certificate|unknown ca|bad_certificate|alert_unknown_ca/.test(text)) return 'cert-rejected';
  if (error.code === 'ECONNRESET' && /hang up/.test(text)) return 'closed';
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return 'reset';
  if (/timed? ?out/.test(text)) return 'timeout';
  return 'protocol';
}
