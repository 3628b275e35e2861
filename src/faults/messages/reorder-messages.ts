import Type from 'typebox';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';

export const reorderMessages = defineFault({
  type: 'reorder-messages',
  layer: 'messages',
  summary: 'messages overtake each other',
  params: Type.Object({
    rate: RateParam('chance that a message is held back and overtaken'),
    window: Type.Integer({ minimum: 2, maximum: 1000, default: 2, description: 'how many messages a held one can fall behind, at most' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `lets ${(p.rate * 100).toFixed(0)}% of messages fall up to ${p.window - 1} behind ${directionText(p.direction)}`,
});
