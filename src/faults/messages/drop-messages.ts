import Type from '../../schema/type.js';
import { DirectionParam, MessageKinds, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { MessageHooks } from '../hooks.js';
import { collect, covers, decidedOnUnit, drop, kindOf, PASS } from './units.js';

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
    const decide: NonNullable<MessageHooks['decide']> = (header, direction) => {
      if (!covers(p.direction, direction) || !p.kinds.includes(kindOf(header) as 'text')) return PASS;
      const dropped = (bytes: number) => ctx.applied({ direction, bytes });
      // Rate and kind are known at the header: the message streams through or vanishes unheld.
      if (p.contains === undefined && !pattern) return random[direction]() < p.rate ? drop(dropped) : PASS;
      // Compressed payloads cannot be searched; contains/pattern then match nothing.
      if (header.compressed) return PASS;
      return collect((unit, next) => {
        const text = unit.payload().toString('utf8');
        if (p.contains !== undefined && !text.includes(p.contains)) return next(unit);
        if (pattern && !pattern.test(text)) return next(unit);
        if (random[direction]() >= p.rate) return next(unit);
        dropped(unit.payload().length);
      });
    };
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
