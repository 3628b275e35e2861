import Type from '../../schema/type.js';
import { Duration, Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import { sliceStage } from './stages.js';
import { perDirection, reportOnce } from './directions.js';

export const slice = defineFault({
  type: 'slice',
  layer: 'transport',
  summary: 'splits writes into small pieces (partial frames, coalescing bugs)',
  params: Type.Object({
    size: Size({ default: 16, exclusiveMinimum: 0, description: 'average piece size' }),
    variation: Size({ default: 0, description: 'random spread of the piece size, ±' }),
    delay: Duration({ default: 0, description: 'pause between pieces' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `cuts writes into ${p.size}${p.variation ? ` ± ${p.variation}` : ''}-byte pieces${p.delay ? ` ${ms(p.delay)} apart` : ''} ${directionText(p.direction)}`,
  create: (p, ctx) => ({
    stages: perDirection(p.direction, (d) => reportOnce(sliceStage(p.size, p.variation, p.delay, ctx.stream(d)), () => ctx.applied({ size: p.size }))),
  }),
});
