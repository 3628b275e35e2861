import Type from '../../schema/type.js';
import { HeaderMap } from '../common.js';
import { defineFault } from '../define.js';
import { applyHeaderMap } from './headers.js';
import type { HeaderField } from '../../protocol/http-head.js';

/** What a 426 says unless the scenario overrides it (RFC 6455 §4.4, RFC 9110 §15.5.22). */
const UPGRADE_REQUIRED: HeaderField[] = [
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Version', '13'],
];

export const status = defineFault({
  type: 'status',
  layer: 'handshake',
  summary: 'answers the upgrade itself with an HTTP status; the upstream is never contacted',
  params: Type.Object({
    code: Type.Integer({ minimum: 100, maximum: 599, default: 426, description: 'HTTP status (any but 101)' }),
    headers: HeaderMap('response headers; a null value removes a default one', {}),
    body: Type.String({ default: '', description: 'response body' }),
  }),
  check: (p) => (p.code === 101 ? [{ key: 'code', message: '101 is the answer that accepts the upgrade; a status fault answers anything else' }] : []),
  explain: (p) => `answers every upgrade with ${p.code}${Object.keys(p.headers ?? {}).length ? ` and ${Object.keys(p.headers).join(', ')}` : ''}`,
  create: (p, ctx) => ({
    onRequest: () => {
      const headers: HeaderField[] = p.code === 426 ? UPGRADE_REQUIRED.map(([n, v]) => [n, v]) : [];
      applyHeaderMap(headers, p.headers ?? {});
      ctx.applied({ status: p.code });
      return { action: 'respond', status: p.code, headers, body: p.body };
    },
  }),
});
