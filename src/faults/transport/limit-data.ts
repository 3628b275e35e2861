import Type from '../../schema/type.js';
import { Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { bytes, defineFault, directionText } from '../define.js';
import type { Direction, Piece } from '../hooks.js';
import { perDirection } from './directions.js';

/**
 * Like Toxiproxy's limit_data: exactly `bytes` pass (both directions counted together with
 * `both`), the read that crosses the limit is cut there, and the connection is closed (FIN both
 * ways) once that last byte has been delivered (toward the server: written to it, even if it was
 * still being dialled). Nothing after it is forwarded.
 */
export const limitData = defineFault({
  type: 'limit-data',
  layer: 'transport',
  summary: 'closes the connection after exactly N bytes',
  params: Type.Object({ bytes: Size({ description: 'bytes forwarded before the close' }), direction: DirectionParam('both') }),
  explain: (p) => `closes after exactly ${bytes(p.bytes)} ${directionText(p.direction)}`,
  create: (p, ctx) => {
    let passed = 0;
    const stage = (direction: Direction) => (piece: Piece): Piece[] => {
      const left = p.bytes - passed;
      if (left <= 0) return [];
      if (piece.chunk.length < left) {
        passed += piece.chunk.length;
        return [piece];
      }
      passed = p.bytes;
      ctx.applied({ bytes: p.bytes, direction });
      return [{ ...piece, chunk: piece.chunk.subarray(0, left), cutAfter: true }];
    };
    return { stages: perDirection(p.direction, stage) };
  },
});
