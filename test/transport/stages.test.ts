import { describe, expect, it } from 'vitest';
import { streamFor } from '../../src/scenario/prng.js';
import { DelayLine, type Piece, type Stage } from '../../src/transport/delay-line.js';
import { bandwidthStage, latencyStage, packetLossStage, segmentStall } from '../../src/faults/transport/stages.js';
import { until } from '../helpers/wait.js';

const chunk = (n: number) => Buffer.alloc(n, 1);

describe('latency stage (exact, from the seed)', () => {
  it('50 ± 30 ms: every piece is delayed 20–80 ms, order kept, the whole range used', () => {
    const stage = latencyStage(50, 30, streamFor(7, 'c-1', 'jit', 'downstream'));
    const delays: number[] = [];
    let last = 0;
    for (let i = 0; i < 10_000; i++) {
      // Pieces 100 ms apart: the order rule (never before the one ahead) cannot raise a delay.
      const arrival = i * 100;
      const [out] = stage({ chunk: chunk(10), at: arrival });
      delays.push(out!.at - arrival);
      expect(out!.at).toBeGreaterThanOrEqual(last);
      last = out!.at;
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...delays)).toBeLessThanOrEqual(80);
    expect(Math.min(...delays)).toBeLessThan(21);
    expect(Math.max(...delays)).toBeGreaterThan(79);
  });

  it('a burst is never reordered: a piece leaves no earlier than the one ahead of it', () => {
    const stage = latencyStage(50, 30, streamFor(7, 'c-1', 'jit', 'downstream'));
    const times = Array.from({ length: 1_000 }, () => stage({ chunk: chunk(1), at: 0 })[0]!.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('DelayLine ends', () => {
  const line = (stages: Stage[], written: Buffer[], cut: () => void) =>
    new DelayLine(stages, { capBytes: 1 << 20, write: (c) => (written.push(c), true), pauseSource: () => {}, resumeSource: () => {}, cut });

  it('a FIN goes after the data queued before it', async () => {
    const written: Buffer[] = [];
    const delayLine = line([(p: Piece) => [{ ...p, at: p.at + 20 }]], written, () => {});
    delayLine.push(chunk(5));
    let ended = -1;
    // The FIN's callback records how many writes came before it: exactly the one queued chunk,
    // whenever the queue gets to it (a stalled process may find the piece due at once).
    delayLine.end('fin', () => (ended = written.length));
    await until(() => ended !== -1, 'the FIN');
    expect(ended).toBe(1);
  });

  it('a stage that holds ends swallows FIN and RST until it lets go', () => {
    let holding = true;
    const blackhole = Object.assign(() => [], { holdsEnd: () => holding });
    const written: Buffer[] = [];
    const delayLine = line([blackhole], written, () => {});
    delayLine.push(chunk(5));
    let delivered = 0;
    delayLine.end('rst', () => delivered++);
    expect(written).toHaveLength(0);
    expect(delivered).toBe(0);
    expect(delayLine.holdingEnd).toBe(true);
    delayLine.reconsiderEnd();
    expect(delivered).toBe(0);
    holding = false;
    delayLine.reconsiderEnd();
    expect(delivered).toBe(1);
    expect(delayLine.holdingEnd).toBe(false);
  });

  it('cutAfter survives the stages after it and fires once that piece is written', () => {
    const written: Buffer[] = [];
    let cuts = 0;
    const cutter = (p: Piece): Piece[] => [{ ...p, chunk: p.chunk.subarray(0, 3), cutAfter: true }];
    const splitter = (p: Piece): Piece[] => [{ chunk: p.chunk.subarray(0, 1), at: p.at }, { chunk: p.chunk.subarray(1), at: p.at }];
    const delayLine = line([cutter, splitter], written, () => cuts++);
    delayLine.push(chunk(10));
    expect(Buffer.concat(written).length).toBe(3);
    expect(written).toHaveLength(2);
    expect(cuts).toBe(1);
  });
});

describe('packet-loss stage (exact, from the seed)', () => {
  it('stalls exactly the model’s time however the stream is chunked', () => {
    const total = 1024 * 1024;
    const model = (() => {
      const random = streamFor(2026, 'c-1', 'lossy', 'upstream');
      let stall = 0;
      for (let offset = 0; offset < total; offset += 1448) stall += segmentStall(0.05, 20, random);
      return stall;
    })();
    expect(model).toBeGreaterThan(200);
    for (const size of [1448, 4096, 65_536, 7_001]) {
      const stage = packetLossStage(0.05, 1448, 20, streamFor(2026, 'c-1', 'lossy', 'upstream'));
      let last = 0;
      for (let at = 0; at < total; at += size) {
        for (const piece of stage({ chunk: chunk(Math.min(size, total - at)), at: 0 })) {
          expect(piece.at).toBeGreaterThanOrEqual(last);
          last = piece.at;
        }
      }
      expect(stage.stalledMs()).toBe(model);
      expect(last).toBe(model);
    }
  });
});

describe('bandwidth stage (exact)', () => {
  it('a 1 MiB burst at 256 KiB/s leaves its last byte exactly 4 s after it arrived', () => {
    const stage = bandwidthStage(256 * 1024);
    let last = 0;
    let bytes = 0;
    for (let i = 0; i < 16; i++) {
      for (const piece of stage({ chunk: chunk(65_536), at: 0 })) {
        expect(piece.at).toBeGreaterThanOrEqual(last);
        last = piece.at;
        bytes += piece.chunk.length;
      }
    }
    expect(bytes).toBe(1024 * 1024);
    expect(last).toBeCloseTo(4_000, 6);
  });
});
