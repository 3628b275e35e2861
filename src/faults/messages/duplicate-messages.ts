import Type from '../../schema/type.js';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { MessageHooks } from '../hooks.js';
import { collect, copyOf, covers, decidedOnUnit, PASS } from './units.js';

export const duplicateMessages = defineFault({
  type: 'duplicate-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'a message arrives twice',
  params: Type.Object({ rate: RateParam('chance that a message is sent twice'), direction: DirectionParam('both') }),
  explain: (p) => `sends ${(p.rate * 100).toFixed(0)}% of messages twice ${directionText(p.direction)}`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    // Drawn at the header; only a message that is sent twice is held (it must be written twice).
    const decide: NonNullable<MessageHooks['decide']> = (_header, direction) => {
      if (!covers(p.direction, direction) || random[direction]() >= p.rate) return PASS;
      return collect((unit, next) => {
        ctx.applied({ direction });
        next(unit);
        next(copyOf(unit));
      });
    };
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
