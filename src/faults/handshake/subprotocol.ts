import Type from '../../schema/type.js';
import { tokens } from '../../protocol/http-head.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';
import { removeHeaders, setHeader } from './headers.js';

export const subprotocol = defineFault({
  type: 'subprotocol',
  layer: 'handshake',
  summary: 'the 101 names a subprotocol the client did not offer, a wrong one, or none',
  params: Type.Object({
    mode: Choice(['unrequested', 'wrong', 'missing'] as const, {
      default: 'wrong',
      description: 'unrequested: a subprotocol although none was offered; wrong: one not offered; missing: none although one was offered',
    }),
    value: Type.Optional(Type.String({ minLength: 1, pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$", description: 'the subprotocol to name (default wsfault-<mode>)' })),
  }),
  explain: (p) => (p.mode === 'missing' ? 'the 101 names no subprotocol' : `the 101 names the subprotocol "${p.value ?? `wsfault-${p.mode}`}"`),
  create: (p, ctx) => ({
    onResponse: (response, request) => {
      if (response.status !== 101) return;
      if (p.mode === 'missing') {
        removeHeaders(response.headers, ['Sec-WebSocket-Protocol']);
      } else {
        const offered = tokens(request.headers, 'sec-websocket-protocol');
        let value = p.value ?? `wsfault-${p.mode}`;
        while (offered.includes(value.toLowerCase())) value += '-x';
        setHeader(response.headers, 'Sec-WebSocket-Protocol', value);
      }
      ctx.applied({ mode: p.mode });
    },
  }),
});
