import Type from '../../schema/type.js';
import { tokens } from '../../protocol/http-head.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';
import { removeHeaders, setHeader } from './headers.js';

export const extensions = defineFault({
  type: 'extensions',
  layer: 'handshake',
  summary: 'extension negotiation faults: the 101 claims an extension not offered, or the offer is stripped',
  params: Type.Object({
    mode: Choice(['unrequested', 'strip-offer'] as const, {
      default: 'unrequested',
      description: 'unrequested: the 101 claims an extension the client did not offer; strip-offer: the server never sees the offer',
    }),
  }),
  explain: (p) => (p.mode === 'unrequested' ? 'the 101 claims an extension the client did not offer' : "removes the client's Sec-WebSocket-Extensions offer"),
  create: (p, ctx) =>
    p.mode === 'strip-offer'
      ? { onRequest: (request) => void ctx.applied({ removed: removeHeaders(request.headers, ['Sec-WebSocket-Extensions']) }) }
      : {
          onResponse: (response, request) => {
            if (response.status !== 101) return;
            // permessage-deflate when the client did not offer it (every client knows it),
            // otherwise an extension no client supports.
            const offered = tokens(request.headers, 'sec-websocket-extensions').map((t) => t.split(';')[0]!.trim());
            const claim = offered.includes('permessage-deflate') ? 'x-wsfault-unrequested' : 'permessage-deflate';
            setHeader(response.headers, 'Sec-WebSocket-Extensions', claim);
            ctx.applied({ claimed: claim });
          },
        },
});
