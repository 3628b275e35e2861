import Type from 'typebox';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import { copyOf, covers } from './units.js';

export const duplicateMessages = defineFault({
  type: 'duplicate-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'a message arrives twice',
  params: Type.Object({ rate: RateParam('chance that a message is sent twice'), direction: DirectionParam('both') }),
  explain: (p) => `sends ${(p.rate * 100).toFixed(0)}% of messages twice ${directionText(p.direction)}`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    return {
      onUnit(unit, direction, next) {
        if (unit.kind !== 'message' || !covers(p.direction, direction) || random[direction]() >= p.rate) return next(unit);
        ctx.applied({ direction });
        next(unit);
        next(copyOf(unit));
      },
    };
  },
});
