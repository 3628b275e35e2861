import Type from '../../schema/type.js';
import { Rate } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { bytes, defineFault, directionText } from '../define.js';
import { bandwidthStage } from './stages.js';
import { perDirection, reportOnce } from './directions.js';

export const bandwidth = defineFault({
  type: 'bandwidth',
  layer: 'transport',
  summary: 'caps throughput',
  params: Type.Object({ rate: Rate({ description: 'bytes per second' }), direction: DirectionParam('both') }),
  explain: (p) => `caps throughput at ${bytes(p.rate)}/s ${directionText(p.direction)}`,
  create: (p, ctx) => ({
    stages: perDirection(p.direction, () => reportOnce(bandwidthStage(p.rate), () => ctx.applied({ bytesPerSecond: p.rate }))),
  }),
});
