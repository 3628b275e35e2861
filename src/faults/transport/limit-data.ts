import Type from 'typebox';
import { Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { bytes, defineFault, directionText } from '../define.js';

export const limitData = defineFault({
  type: 'limit-data',
  layer: 'transport',
  summary: 'closes the connection after N bytes',
  params: Type.Object({ bytes: Size({ description: 'bytes forwarded before the close' }), direction: DirectionParam('both') }),
  explain: (p) => `closes after ${bytes(p.bytes)} ${directionText(p.direction)}`,
  create: (p, ctx) => ({
    start: (control) => {
      const stop = control.onBytes((_d, totals) => {
        const passed = p.direction === 'both' ? totals.up + totals.down : p.direction === 'upstream' ? totals.up : totals.down;
        if (passed < p.bytes) return;
        stop();
        ctx.applied({ bytes: passed });
        control.kill('fin');
      });
      return stop;
    },
  }),
});
