import Type from 'typebox';
import { DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';

export const blackhole = defineFault({
  type: 'blackhole',
  layer: 'transport',
  summary: 'half-open: nothing is forwarded, sockets stay open, nothing is closed',
  params: Type.Object({ direction: DirectionParam('both') }),
  explain: (p) => `forwards nothing ${directionText(p.direction)} and closes nothing (half-open)`,
  create: (p, ctx) => ({
    start: (control) => {
      ctx.applied({ direction: p.direction });
      return control.blackhole(p.direction);
    },
  }),
});
