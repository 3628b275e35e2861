import Type from 'typebox';
import { DirectionParam, MessageKinds, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';

export const dropMessages = defineFault({
  type: 'drop-messages',
  layer: 'messages',
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
});
