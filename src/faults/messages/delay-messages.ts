import Type from 'typebox';
import { Duration } from '../../scenario/units.js';
import { DirectionParam, JitterParam, MessageKinds } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';

export const delayMessages = defineFault({
  type: 'delay-messages',
  layer: 'messages',
  summary: 'messages arrive late; order kept unless reorder',
  params: Type.Object({
    delay: Duration({ description: 'added delay per message' }),
    jitter: JitterParam(),
    direction: DirectionParam('both'),
    kinds: MessageKinds(),
    reorder: Type.Boolean({ default: false, description: 'let a message overtake a later-delayed one' }),
  }),
  explain: (p) => `delays ${p.kinds.join('/')} messages ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} ${directionText(p.direction)}${p.reorder ? ', order not kept' : ''}`,
});
