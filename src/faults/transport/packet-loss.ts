import Type from '../../schema/type.js';
import { Duration, Probability, Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import { packetLossStage } from './stages.js';
import { perDirection, reportOnce } from './directions.js';

export const packetLoss = defineFault({
  type: 'packet-loss',
  layer: 'transport',
  summary: 'a lossy link as TCP sees it: lost segments stall the stream by the RTO (doubling); nothing is lost or reordered',
  params: Type.Object({
    rate: Probability({ description: 'chance that one segment is lost' }),
    mss: Size({ default: 1448, exclusiveMinimum: 0, description: 'segment size' }),
    rto: Duration({ default: 200, description: 'retransmission timeout, doubling on repeated loss' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `loses ${(p.rate * 100).toFixed(1)}% of ${p.mss}-byte segments ${directionText(p.direction)}; each loss stalls ${ms(p.rto)} (doubling)`,
  create: (p, ctx) => ({
    stages: perDirection(p.direction, (d) => reportOnce(packetLossStage(p.rate, p.mss, p.rto, ctx.stream(d)), () => ctx.applied({ rate: p.rate }))),
  }),
});
