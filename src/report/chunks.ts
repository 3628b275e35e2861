/** Size of the chunks. */
const CHUNK = 1 << 20;
/** Kept bytes at least this long go out by reference (bytes()); shorter ones are copied. */
const KEEP_MIN = 512;
/** Chunks given back, reused by the next report: at most this many (64 MiB), and only for a while. */
const SPARE_MAX = 64;
const SPARE_MS = 30_000;
let spare: Buffer[] = [];
let forget: NodeJS.Timeout | null = null;

/**
 * Gives chunks back once their bytes are sent or written: the next report writes into them.
 * Memory fresh from the OS costs its page faults on first touch (~4 ms per MB on the bench
 * machine, ~200 ms for the 53 MB of 10 000 clients × 20 attempts); reused chunks do not. Kept
 * for SPARE_MS after the last report, then left to the collector.
 */
export function releaseChunks(chunks: readonly Buffer[]): void {
  // Only chunks made here: the kept Buffers handed on among them (bytes()) are never written into.
  for (const c of chunks) if (c.byteOffset === 0 && ours.has(c.buffer) && spare.length < SPARE_MAX) spare.push(Buffer.from(c.buffer, 0, CHUNK));
  forget?.refresh();
  forget ??= setTimeout(() => {
    spare = [];
    forget = null;
  }, SPARE_MS).unref();
}

/** The memory of every chunk of CHUNK bytes made here. */
const ours = new WeakSet<ArrayBufferLike>();

function chunk(size: number): Buffer {
  if (size <= CHUNK && spare.length > 0) return spare.pop()!;
  if (size > CHUNK) return Buffer.allocUnsafe(size);
  // Not from Node's pool (allocUnsafe of 1 MiB is not pooled either): its own memory, given back whole.
  const made = Buffer.allocUnsafeSlow(CHUNK);
  ours.add(made.buffer);
  return made;
}

/**
 * Text written out as UTF-8 into chunks of memory, for a stream or a file. Chunks rather than one
 * buffer or one string: the report's JSON for 10 000 clients × 20 attempts is 50–60 MB, and one
 * buffer that size comes fresh from the OS every time (touching its pages alone took ~240 ms on
 * the 2-core bench machine), where 1 MiB chunks are given back and reused (releaseChunks).
 */
export class Chunks {
  private buf: Buffer;
  private pos = 0;
  /** Where the bytes of `buf` not yet handed on begin (a kept Buffer went out between). */
  private mark = 0;
  private readonly done: Buffer[] = [];
  private size = 0;

  /**
   * `sink`: where each full chunk goes at once (a file), after which the same chunk is written
   * into again, so a report of 100 MB takes 1 MiB of memory and touches no fresh pages: a
   * process's first report otherwise pays ~4 ms per MB in page faults on the bench machine.
   */
  constructor(
    first = CHUNK,
    private readonly sink?: (bytes: Buffer) => void,
  ) {
    this.buf = first >= CHUNK || sink ? chunk(CHUNK) : Buffer.allocUnsafe(Math.max(1 << 10, first));
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

  /**
   * Bytes made before (a client's text kept by its book), which nothing changes afterwards: handed
   * on as they are between views of the chunk, so a report of 10 000 clients touches ~5 MB of
   * chunk memory instead of 53 MB (a process's first report paid ~4 ms per fresh MB). Copied into
   * the chunk when small, and with a sink (which gets one reused chunk at a time).
   */
  bytes(b: Buffer): void {
    if (!this.sink && b.length >= KEEP_MIN) {
      if (this.pos > this.mark) this.done.push(this.buf.subarray(this.mark, this.pos));
      this.done.push(b);
      this.size += this.pos - this.mark + b.length;
      this.mark = this.pos;
      return;
    }
    let from = 0;
    while (from < b.length) {
      if (this.pos === this.buf.length) this.room(Math.min(b.length - from, CHUNK));
      const n = Math.min(b.length - from, this.buf.length - this.pos);
      b.copy(this.buf, this.pos, from, from + n);
      this.pos += n;
      from += n;
    }
  }

  /** The bytes written, in order (the writer is done with them); none with a sink, which had them all. */
  end(): Buffer[] {
    this.flush();
    if (this.sink) releaseChunks([this.buf]);
    this.buf = Buffer.alloc(0);
    return this.done;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.size + this.pos - this.mark;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (!this.sink) this.buf = chunk(n);
    else if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  private flush(): void {
    if (this.pos > this.mark) {
      if (this.sink) this.sink(this.buf.subarray(this.mark, this.pos));
      else this.done.push(this.buf.subarray(this.mark, this.pos));
      this.size += this.pos - this.mark;
    }
    this.pos = 0;
    this.mark = 0;
  }
}
