import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { DirectionParam, JitterParam } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import { latencyStage } from './stages.js';
import { perDirection, reportOnce } from './directions.js';

export const latency = defineFault({
  type: 'latency',
  layer: 'transport',
  summary: 'every byte arrives delay ± jitter later; order kept',
  params: Type.Object({ delay: Duration({ description: 'added delay' }), jitter: JitterParam(), direction: DirectionParam('both') }),
  explain: (p) => `adds ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} ${directionText(p.direction)}`,
  create: (p, ctx) => ({
    stages: perDirection(p.direction, (d) => reportOnce(latencyStage(p.delay, p.jitter, ctx.stream(d)), () => ctx.applied({ delayMs: p.delay, jitterMs: p.jitter }))),
  }),
});
