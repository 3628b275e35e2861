import Type from '../../schema/type.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';

export const maxConnections = defineFault({
  type: 'max-connections',
  layer: 'transport',
  summary: 'refuses connections above N open',
  params: Type.Object({
    limit: Type.Integer({ minimum: 0, description: 'connections allowed open at once' }),
    how: Choice(['status', 'rst'] as const, { default: 'status', description: 'status: 503; rst: TCP RST' }),
  }),
  explain: (p) => `allows ${p.limit} open connections; more get ${p.how === 'status' ? '503' : 'RST'}`,
  create: (p, ctx) => ({
    admit: (open) => {
      if (open < p.limit) return null;
      ctx.applied({ open, limit: p.limit });
      if (p.how === 'rst') return { action: 'close', how: 'rst' };
      // What an overloaded server or load balancer says: try again in a second.
      return {
        action: 'respond',
        status: 503,
        headers: [
          ['Retry-After', '1'],
          ['Content-Type', 'text/plain; charset=utf-8'],
        ],
        body: 'wsfault: too many connections\n',
      };
    },
  }),
});
