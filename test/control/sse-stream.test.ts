import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SSE_BACKLOG_BYTES, SSE_FLUSH_BYTES, SSE_FLUSH_MS, SseStream } from '../../src/control/sse-stream.js';
import type { WsfaultEvent } from '../../src/wire.js';

/** A sink that records each write; `writableLength` is what it has not "sent" yet. */
function sink() {
  const writes: string[] = [];
  return { writes, writableLength: 0, write(text: string) { writes.push(text); } };
}
let seq = 0;
const event = (to = 's'): WsfaultEvent => ({ seq: ++seq, time: '2026-12-01T00:00:00.000Z', type: 'scenario.changed', proxy: 'default', from: null, to }) as unknown as WsfaultEvent;

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('SseStream: events gathered into few writes', () => {
  it('writes the events of several turns within the flush window as one write, none before it', async () => {
    const out = sink();
    const stream = new SseStream(out);
    for (let i = 0; i < 50; i++) {
      stream.send(event(`s-${i}`));
      await vi.advanceTimersByTimeAsync(SSE_FLUSH_MS / 50 - 0.01); // each one a later turn, all within the window
    }
    expect(out.writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(out.writes).toHaveLength(1);
    const ids = [...out.writes[0]!.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(50);
    expect(out.writes[0]).toContain('event: scenario.changed\ndata: {"seq":');
  });

  it('writes at once when a burst reaches SSE_FLUSH_BYTES, without waiting for the timer', () => {
    const out = sink();
    const stream = new SseStream(out);
    const big = 'x'.repeat(1000);
    let n = 0;
    while (out.writes.length === 0) {
      stream.send(event(big));
      n++;
    }
    expect(out.writes[0]!.length).toBeGreaterThanOrEqual(SSE_FLUSH_BYTES);
    expect([...out.writes[0]!.matchAll(/^id: /gm)]).toHaveLength(n); // every event sent is in that write
    vi.advanceTimersByTime(SSE_FLUSH_MS);
    expect(out.writes).toHaveLength(1); // no empty write from a stale timer
  });

  it('skips events while the backlog is full, then says how many before the next one', () => {
    const out = sink();
    const stream = new SseStream(out);
    out.writableLength = SSE_BACKLOG_BYTES + 1;
    stream.send(event());
    stream.send(event());
    out.writableLength = 0;
    const next = event('after');
    stream.send(next);
    stream.flush();
    expect(out.writes).toEqual([`: skipped 2 events\n\nid: ${next.seq}\nevent: scenario.changed\ndata: ${JSON.stringify(next)}\n\n`]);
  });

  it('flush() writes what is pending (before the stream ends) and drop() discards it', () => {
    const out = sink();
    const stream = new SseStream(out);
    stream.send(event());
    stream.flush();
    expect(out.writes).toHaveLength(1);
    stream.send(event());
    stream.drop();
    vi.advanceTimersByTime(SSE_FLUSH_MS * 2);
    expect(out.writes).toHaveLength(1);
  });
});
