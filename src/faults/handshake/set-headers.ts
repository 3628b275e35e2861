import Type from '../../schema/type.js';
import { Choice, HeaderMap } from '../common.js';
import { defineFault } from '../define.js';
import { applyHeaderMap } from './headers.js';

export const setHeaders = defineFault({
  type: 'set-headers',
  layer: 'handshake',
  summary: 'changes any header of the upgrade request or of the response (null removes)',
  params: Type.Object({
    on: Choice(['request', 'response'] as const, { default: 'request', description: 'which head to change' }),
    headers: HeaderMap('header: value to set, or null to remove'),
  }),
  explain: (p) =>
    `on the ${p.on}: ${Object.entries(p.headers)
      .map(([n, v]) => (v === null ? `removes ${n}` : `${n}: ${v}`))
      .join(', ')}`,
  create: (p, ctx) =>
    p.on === 'request'
      ? { onRequest: (request) => void (applyHeaderMap(request.headers, p.headers), ctx.applied({ on: 'request', headers: Object.keys(p.headers) })) }
      : { onResponse: (response) => void (applyHeaderMap(response.headers, p.headers), ctx.applied({ on: 'response', headers: Object.keys(p.headers) })) },
});
