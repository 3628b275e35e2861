import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { Choice } from '../common.js';
import { defineFault, ms } from '../define.js';
import type { TlsVerdict } from '../hooks.js';

const HOWS = ['stall', 'reset', 'close', 'alert', 'not-tls', 'alpn-h2-only', 'tls1.0-only'] as const;

/** What a client that spoke TLS gets instead of a ServerHello when `how` is not-tls. */
const PLAIN_ANSWER = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nConnection: close\r\n\r\nwsfault: this port does not speak TLS\n', 'latin1');

/** A fatal TLS alert record (RFC 8446 §6): level 2, the given description. */
function alertRecord(code: number): Buffer {
  return Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, code]);
}

export const tlsHandshake = defineFault({
  type: 'tls-handshake',
  layer: 'tls',
  summary: 'breaks the TLS handshake after reading the ClientHello: stall, reset, close, alert, plain HTTP, h2-only ALPN, TLS 1.0 only',
  params: Type.Object({
    how: Choice(HOWS, { default: 'stall', description: 'stall: never answer; reset: RST; close: FIN; alert: a fatal alert; not-tls: a plain HTTP answer; alpn-h2-only: offer only h2; tls1.0-only: accept only TLS 1.0' }),
    after: Type.Optional(Duration({ description: 'stall: close (FIN) this long after the ClientHello (default: never)' })),
    alert: Type.Integer({ minimum: 0, maximum: 255, default: 40, description: 'alert: the alert description (40 handshake_failure, 112 unrecognized_name …)' }),
  }),
  ownsCommon: ['after'],
  explain: (p) =>
    ({
      stall: `never answers the ClientHello${p.after !== undefined ? `; closes after ${ms(p.after)}` : ''}`,
      reset: 'resets the connection after the ClientHello',
      close: 'closes (FIN) after the ClientHello',
      alert: `answers the ClientHello with fatal alert ${p.alert}`,
      'not-tls': 'answers the ClientHello with plain HTTP',
      'alpn-h2-only': 'offers only h2 in ALPN (a client that needs http/1.1 fails)',
      'tls1.0-only': 'accepts only TLS 1.0',
    })[p.how],
  create: (p, ctx) => ({
    onClientHello: (): TlsVerdict => {
      ctx.applied({ how: p.how });
      switch (p.how) {
        case 'stall':
          return { action: 'stall', afterMs: p.after ?? Infinity };
        case 'reset':
          return { action: 'close', how: 'rst' };
        case 'close':
          return { action: 'close', how: 'fin' };
        case 'alert':
          return { action: 'reply', bytes: alertRecord(p.alert) };
        case 'not-tls':
          return { action: 'reply', bytes: PLAIN_ANSWER };
        case 'alpn-h2-only':
          return { action: 'serve', alpn: ['h2'] };
        case 'tls1.0-only':
          return { action: 'serve', version: 'TLSv1' };
      }
    },
  }),
});
