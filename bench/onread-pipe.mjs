// The bare `onread` pipe's parts, shared by bench/node-pipe.mjs (the floor in bench/run.mjs) and
// bench/read-buffers.mjs: one direction's reads into a buffer of its own, and the two sockets'
// ends and errors joined.

const SIZE = 64 * 1024;

/**
 * `onread` for one direction: reads into a buffer of its own, written to sink(); pause on
 * backpressure. `copy`: every read copied before it is written; otherwise the read is written as
 * it is when the sink has nothing queued, and a write that stays queued keeps that buffer (the
 * next read gets a new one).
 */
export function reads(sink, self, copy = false) {
  let buffer = Buffer.allocUnsafe(SIZE);
  let lent = false;
  return {
    buffer: () => {
      if (lent) [buffer, lent] = [Buffer.allocUnsafe(SIZE), false];
      return buffer;
    },
    callback: (n) => {
      const view = buffer.subarray(0, n);
      const out = sink();
      const queued = out.writableLength > 0;
      const ok = out.write(copy || queued ? Buffer.from(view) : view);
      if (!copy && !queued && out.writableLength > 0) lent = true;
      if (!ok) {
        self().pause();
        out.once('drain', () => self().resume());
      }
    },
  };
}

/** Each side's end ends the other; an error on one destroys the other. */
export function join(a, b) {
  a.on('end', () => b.end());
  b.on('end', () => a.end());
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}
