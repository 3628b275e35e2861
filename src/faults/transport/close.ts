import Type from '../../schema/type.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';

export const close = defineFault({
  type: 'close',
  layer: 'transport',
  summary: 'FIN without a Close frame (the client sees 1006)',
  params: Type.Object({
    side: Choice(['client', 'server', 'both'] as const, { default: 'both', description: 'which side gets the FIN' }),
  }),
  explain: (p) => `closes TCP (FIN, no Close frame) toward ${p.side === 'both' ? 'both sides' : `the ${p.side}`}`,
  create: (p, ctx) => ({
    start: (control) => {
      ctx.applied({ side: p.side });
      control.closeSide(p.side);
    },
  }),
});
