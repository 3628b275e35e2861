import Type from 'typebox';
import { Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';

export const fragmentMessages = defineFault({
  type: 'fragment-messages',
  layer: 'messages',
  summary: 're-fragments data messages into continuation frames (never control frames)',
  params: Type.Object({ size: Size({ exclusiveMinimum: 0, description: 'payload bytes per fragment' }), direction: DirectionParam('both') }),
  explain: (p) => `re-sends data messages as ${p.size}-byte fragments ${directionText(p.direction)}`,
});
