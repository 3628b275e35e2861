import type { Piece, Stage } from '../hooks.js';

/**
 * The timing stages of the transport faults. Each is a small stateful function for one
 * direction of one connection; each keeps pieces in order (a piece never leaves before the one
 * ahead of it) and draws randomness only from the seeded `random` it is given.
 */

/** latency: every byte `delay ± jitter` later; order kept. */
export function latencyStage(delayMs: number, jitterMs: number, random: () => number): Stage {
  let last = 0;
  return (piece) => {
    const wobble = jitterMs > 0 ? jitterMs * (2 * random() - 1) : 0;
    const at = Math.max(last, piece.at + Math.max(0, delayMs + wobble));
    last = at;
    return [{ chunk: piece.chunk, at }];
  };
}

/**
 * bandwidth: a link of `bytesPerSecond`. A chunk is cut into pieces of at most a 50th of a
 * second's worth (so a large write is smoothed, not released in one lump) and each piece leaves
 * when the link has finished sending it.
 */
export function bandwidthStage(bytesPerSecond: number): Stage {
  const pieceBytes = Math.max(512, Math.min(64 * 1024, Math.floor(bytesPerSecond / 50)));
  let linkFreeAt = 0;
  return (piece) => {
    const out: Piece[] = [];
    for (let offset = 0; offset < piece.chunk.length; offset += pieceBytes) {
      const part = piece.chunk.subarray(offset, offset + pieceBytes);
      const start = Math.max(linkFreeAt, piece.at);
      linkFreeAt = start + (part.length * 1000) / bytesPerSecond;
      out.push({ chunk: part, at: linkFreeAt });
    }
    return out;
  };
}

/** The longest a retransmission timer backs off to (Linux caps TCP's RTO at 120 s). */
export const MAX_RTO_MS = 120_000;

/**
 * packet-loss as TCP sees it: the stream is cut into `mss`-byte segments (counted from the
 * stream's first byte, so how the bytes were chunked does not matter); each segment is lost
 * with probability `rate`, and each loss stalls the stream by the retransmission timeout,
 * doubling while the retransmissions are lost too. Nothing is lost or reordered: the bytes
 * behind a lost segment wait for it (head-of-line blocking), as on a real TCP connection.
 * `stalledMs()` is the running total of the stall it caused.
 */
export function packetLossStage(rate: number, mss: number, rtoMs: number, random: () => number): Stage & { stalledMs(): number } {
  let last = 0;
  let stalled = 0;
  let position = 0; // stream offset of the next byte
  const stage = (piece: Piece): Piece[] => {
    const out: Piece[] = [];
    const length = piece.chunk.length;
    let at = Math.max(last, piece.at);
    let runStart = 0;
    // The first segment that starts inside this piece.
    let offset = (mss - (position % mss)) % mss;
    for (; offset < length; offset += mss) {
      const stall = segmentStall(rate, rtoMs, random);
      if (stall === 0) continue;
      // Bytes before this segment leave on time; this segment and all behind it wait.
      if (offset > runStart) out.push({ chunk: piece.chunk.subarray(runStart, offset), at });
      runStart = offset;
      at += stall;
      stalled += stall;
    }
    out.push({ chunk: runStart === 0 ? piece.chunk : piece.chunk.subarray(runStart), at });
    position += length;
    last = at;
    return out;
  };
  return Object.assign(stage, { stalledMs: () => stalled });
}

/** The stall one segment causes: RTO, doubling, for as long as its retransmissions are lost. */
export function segmentStall(rate: number, rtoMs: number, random: () => number): number {
  let stall = 0;
  for (let backoff = rtoMs; random() < rate; backoff = Math.min(backoff * 2, MAX_RTO_MS)) stall += backoff;
  return stall;
}

/**
 * slice: cuts every write into pieces of `size ± variation` bytes, `delayMs` apart, so the
 * receiver sees partial frames and coalesced messages.
 */
export function sliceStage(size: number, variation: number, delayMs: number, random: () => number): Stage {
  let last = 0;
  return (piece) => {
    const out: Piece[] = [];
    let at = Math.max(last, piece.at);
    for (let offset = 0; offset < piece.chunk.length; ) {
      const wobble = variation > 0 ? Math.round(variation * (2 * random() - 1)) : 0;
      const length = Math.max(1, size + wobble);
      if (offset > 0) at += delayMs;
      out.push({ chunk: piece.chunk.subarray(offset, offset + length), at });
      offset += length;
    }
    last = at;
    return out;
  };
}
