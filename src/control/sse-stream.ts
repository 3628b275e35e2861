import type { WsfaultEvent } from '../wire.js';

/**
 * How long events wait to be written with the ones after them. At 10 000 events/s, writing each
 * turn's events at once still made ~200 writes a second (one per read of the connection that made
 * them); every write costs the proxy a syscall and the subscriber a wake-up. 10 ms is below what a
 * person watching the dashboard notices.
 */
export const SSE_FLUSH_MS = 10;

/** A burst this large is written at once rather than held for the timer. */
export const SSE_FLUSH_BYTES = 64 * 1024;

/**
 * A subscriber that reads slower than events come is not buffered without bound: while this many
 * bytes already wait for it (in its socket and in the next burst), further events are skipped,
 * their `id:`s leaving a gap, and the first event written after that is preceded by a comment
 * line `: skipped N events`. Memory then stays bounded whatever a subscriber does, and the
 * stream stays open, so a reader that catches up goes on without reconnecting.
 */
export const SSE_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Where the stream's text goes: an HTTP response, as far as this needs one. */
export interface SseSink {
  readonly writableLength: number;
  write(text: string): unknown;
}

/** One subscriber's stream of SPEC §6 events as Server-Sent Events, gathered into few writes. */
export class SseStream {
  private pending = '';
  private flushing: NodeJS.Timeout | null = null;
  private skipped = 0;

  constructor(private readonly sink: SseSink) {}

  send(event: WsfaultEvent): void {
    if (this.sink.writableLength + this.pending.length > SSE_BACKLOG_BYTES) {
      this.skipped++;
      return;
    }
    if (this.skipped > 0) {
      this.pending += `: skipped ${this.skipped} events\n\n`;
      this.skipped = 0;
    }
    this.pending += `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    if (this.pending.length >= SSE_FLUSH_BYTES) this.flush();
    else this.flushing ??= setTimeout(() => this.flush(), SSE_FLUSH_MS);
  }

  /** Writes what is pending now (also before the stream ends). */
  flush(): void {
    if (this.flushing) clearTimeout(this.flushing);
    this.flushing = null;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.sink.write(text);
  }

  /** The subscriber went away: nothing more is written. */
  drop(): void {
    if (this.flushing) clearTimeout(this.flushing);
    this.flushing = null;
    this.pending = '';
  }
}
