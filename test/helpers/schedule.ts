import type { Piece, Stage } from '../../src/faults/hooks.js';
import type { DelayLine } from '../../src/transport/delay-line.js';

/**
 * Records what a live DelayLine's stages decided: when each chunk arrived and when each piece
 * was scheduled to leave. Exact about the proxy's own decisions, whatever the machine's load
 * does to the wall clock afterwards.
 */
export function recordSchedule(line: DelayLine) {
  const arrivals: { bytes: number; at: number }[] = [];
  const releases: { bytes: number; at: number; delay: number }[] = [];
  const arrivedAt = new WeakMap<Buffer, number>();
  const stamp: Stage = (piece: Piece) => {
    arrivals.push({ bytes: piece.chunk.length, at: piece.at });
    arrivedAt.set(piece.chunk, piece.at);
    return [piece];
  };
  const collect: Stage = (piece: Piece) => {
    const arrived = arrivedAt.get(piece.chunk);
    releases.push({ bytes: piece.chunk.length, at: piece.at, delay: arrived === undefined ? NaN : piece.at - arrived });
    return [piece];
  };
  line.stages.unshift(stamp);
  line.stages.push(collect);
  return { arrivals, releases };
}
