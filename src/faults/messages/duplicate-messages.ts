import Type from 'typebox';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';

export const duplicateMessages = defineFault({
  type: 'duplicate-messages',
  layer: 'messages',
  summary: 'a message arrives twice',
  params: Type.Object({ rate: RateParam('chance that a message is sent twice'), direction: DirectionParam('both') }),
  explain: (p) => `sends ${(p.rate * 100).toFixed(0)}% of messages twice ${directionText(p.direction)}`,
});
