/** Size of the chunks: small enough that the allocator hands freed ones out again. */
const CHUNK = 1 << 20;

/**
 * Text written out as UTF-8 into chunks of memory, for a stream or a file. Chunks rather than one
 * buffer or one string: the report's JSON for 10 000 clients × 20 attempts is 50–60 MB, and one
 * buffer that size comes fresh from the OS every time (touching its pages alone took ~240 ms on
 * the 2-core bench machine), where freed 1 MiB chunks are reused (docs/PERFORMANCE.md).
 */
export class Chunks {
  private buf: Buffer;
  private pos = 0;
  private readonly done: Buffer[] = [];
  private size = 0;

  constructor(first = CHUNK) {
    this.buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1 << 10, first)));
  }

  write(text: string): void {
    // Three bytes per UTF-16 unit at most (a surrogate pair is two units for four bytes).
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /**
   * Text known to be ASCII (the caller checked every character): written as Latin-1, which is
   * the same bytes, and which V8 copies out of a string built by concatenation without first
   * flattening it into a new string, as UTF-8 writing does.
   */
  ascii(text: string): void {
    this.room(text.length);
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** The bytes written, in order (the writer is done with them). */
  end(): Buffer[] {
    this.flush();
    this.buf = Buffer.alloc(0);
    return this.done;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.size + this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.done.push(this.buf.subarray(0, this.pos));
    this.size += this.pos;
    this.pos = 0;
  }
}
