import Type from '../../schema/type.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';
import { removeHeaders } from './headers.js';

export const stripUpgrade = defineFault({
  type: 'strip-upgrade',
  layer: 'handshake',
  summary: 'removes Upgrade/Connection from the request (the server sees a plain GET) or from the 101',
  params: Type.Object({
    from: Choice(['request', 'response'] as const, { default: 'request', description: 'request: a misconfigured reverse proxy; response: a broken 101' }),
    headers: Type.Array(Type.String({ minLength: 1 }), { default: ['Upgrade', 'Connection'], minItems: 1, description: 'header names to remove' }),
  }),
  explain: (p) => `removes ${p.headers.join(' and ')} from the ${p.from === 'request' ? 'upgrade request' : '101 response'}`,
  create: (p, ctx) =>
    p.from === 'request'
      ? { onRequest: (request) => void ctx.applied({ removed: removeHeaders(request.headers, p.headers), from: 'request' }) }
      : {
          onResponse: (response) => {
            if (response.status === 101) ctx.applied({ removed: removeHeaders(response.headers, p.headers), from: 'response' });
          },
        },
});
