import Type from 'typebox';
import { DirectionParam, MessageKinds, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import { covers, kindOf } from './units.js';

export const dropMessages = defineFault({
  type: 'drop-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'whole messages vanish (all their fragments)',
  params: Type.Object({
    rate: RateParam('chance that a message is dropped'),
    direction: DirectionParam('both'),
    kinds: MessageKinds(),
    contains: Type.Optional(Type.String({ minLength: 1, description: 'only messages containing this text' })),
    pattern: Type.Optional(Type.String({ minLength: 1, description: 'only messages matching this regular expression' })),
  }),
  check: (p) => {
    if (p.pattern === undefined) return [];
    try {
      new RegExp(p.pattern);
      return [];
    } catch (error) {
      return [{ key: 'pattern', message: `is not a valid regular expression: ${(error as Error).message}` }];
    }
  },
  explain: (p) => `drops ${(p.rate * 100).toFixed(0)}% of ${p.kinds.join('/')} messages ${directionText(p.direction)}${p.contains ? ` containing "${p.contains}"` : ''}${p.pattern ? ` matching /${p.pattern}/` : ''}`,
  create: (p, ctx) => {
    const pattern = p.pattern ? new RegExp(p.pattern) : null;
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    return {
      onUnit(unit, direction, next) {
        if (unit.kind !== 'message' || !covers(p.direction, direction) || !p.kinds.includes(kindOf(unit) as 'text')) return next(unit);
        // Compressed payloads cannot be searched; contains/pattern then match nothing.
        if (p.contains !== undefined || pattern) {
          if (unit.compressed) return next(unit);
          const text = unit.payload().toString('utf8');
          if (p.contains !== undefined && !text.includes(p.contains)) return next(unit);
          if (pattern && !pattern.test(text)) return next(unit);
        }
        if (random[direction]() >= p.rate) return next(unit);
        ctx.applied({ direction, bytes: unit.payload().length });
      },
    };
  },
});
