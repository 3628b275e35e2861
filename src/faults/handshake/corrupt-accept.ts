import Type from '../../schema/type.js';
import { acceptFor } from '../../protocol/accept-key.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';
import { findHeader, removeHeaders, setHeader } from './headers.js';

export const corruptAccept = defineFault({
  type: 'corrupt-accept',
  layer: 'handshake',
  summary: 'breaks Sec-WebSocket-Accept in the 101',
  params: Type.Object({
    mode: Choice(['wrong', 'missing', 'garbage'] as const, {
      default: 'wrong',
      description: 'wrong: valid base64 of 20 bytes that are not the right hash; missing: no header; garbage: not base64',
    }),
  }),
  explain: (p) => (p.mode === 'missing' ? 'removes Sec-WebSocket-Accept from the 101' : `sends a ${p.mode} Sec-WebSocket-Accept in the 101`),
  create: (p, ctx) => ({
    onResponse: (response, request) => {
      if (response.status !== 101) return;
      if (p.mode === 'missing') {
        removeHeaders(response.headers, ['Sec-WebSocket-Accept']);
      } else if (p.mode === 'garbage') {
        setHeader(response.headers, 'Sec-WebSocket-Accept', 'wsfault:not*base64!');
      } else {
        const right = acceptFor(findHeader(request.headers, 'Sec-WebSocket-Key') ?? '');
        let wrong = right;
        // 20 seeded random bytes: a well-formed SHA-1 that is not the right one.
        while (wrong === right) wrong = Buffer.from(Array.from({ length: 20 }, () => Math.floor(ctx.random() * 256))).toString('base64');
        setHeader(response.headers, 'Sec-WebSocket-Accept', wrong);
      }
      ctx.applied({ mode: p.mode });
    },
  }),
});
