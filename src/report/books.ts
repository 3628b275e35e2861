import type { Attempt } from './attempt.js';
import { settle, type Settled } from './settle.js';

/**
 * One client's page of the attempt log: its kept attempts, and the report's work on them
 * (settle.ts) while they do not change. The report reads a clean book's work instead of redoing
 * it, so a report of 10 000 clients re-works only the clients that changed since they were last
 * worked out (docs/PERFORMANCE.md, issue #15 point 7).
 */
export interface Book {
  key: string;
  /** Its kept attempts in log order (by `seq`): clients come in the order of their first. */
  attempts: Attempt[];
  /** When an attempt of it last changed (ms, Date.now()). */
  changedAt: number;
  /** The work on its attempts as they are now; null once one changed. */
  settled: Settled | null;
}

/** Attempts worked out between two looks at the clock in settleQuiet (2–4 µs each). */
const LOOK_EVERY = 250;

/**
 * The attempt log's books: told of every attempt keyed, changed and dropped (attempt-log.ts),
 * never by the data path. Books that changed wait in `dirty` for the settler (Reporter), which
 * works them out once their client has been quiet for a while, or for the next report.
 */
export class ClientBooks {
  private readonly byKey = new Map<string, Book>();
  /** Books changed since last worked out. */
  private readonly dirty = new Set<Book>();

  get size(): number {
    return this.byKey.size;
  }

  /** `a` got its key (or came with one). */
  keyed(a: Attempt, now: number): void {
    let book = this.byKey.get(a.key!);
    if (book === undefined) {
      book = { key: a.key!, attempts: [], changedAt: now, settled: null };
      this.byKey.set(a.key!, book);
    }
    // Keyed in the order request heads come, nearly always the log's: placed from the end.
    const list = book.attempts;
    let at = list.length;
    while (at > 0 && list[at - 1]!.seq > a.seq) at--;
    if (at === list.length) list.push(a);
    else list.splice(at, 0, a);
    this.touch(book, now);
  }

  /** A field of `a` changed (its end, status, faults...). */
  changed(a: Attempt, now: number): void {
    if (a.key === null) return;
    const book = this.byKey.get(a.key);
    if (book !== undefined) this.touch(book, now);
  }

  /** `a` left the log (the cap): its client's attempts are numbered anew. */
  dropped(a: Attempt, now: number): void {
    if (a.key === null) return;
    const book = this.byKey.get(a.key);
    if (book === undefined) return;
    // The log drops its oldest attempt: the first of its book, which is in log order.
    book.attempts.shift();
    if (book.attempts.length === 0) {
      this.byKey.delete(book.key);
      this.dirty.delete(book);
      return;
    }
    this.touch(book, now);
  }

  clear(): void {
    this.byKey.clear();
    this.dirty.clear();
  }

  /** Every book, in the order of its first kept attempt (the report's client order). */
  inOrder(): Book[] {
    return [...this.byKey.values()].sort((a, b) => a.attempts[0]!.seq - b.attempts[0]!.seq);
  }

  /**
   * Works out books whose last change is at or before `quietSince` until `budgetMs` of wall time
   * is spent; returns how many. What is left waits for the next call or report. Books of more
   * than `maxAttempts` are left to the report: working one out takes ~4 µs per attempt, and a
   * slice must stay short (a client that retried 10 000 times would hold the loop ~40 ms).
   */
  settleQuiet(quietSince: number, mergeWindowMs: number, budgetMs = Infinity, maxAttempts = Infinity): number {
    const until = performance.now() + budgetMs;
    let done = 0;
    let sinceLook = 0;
    for (const book of this.dirty) {
      if (book.changedAt > quietSince || book.attempts.length > maxAttempts) continue;
      this.dirty.delete(book);
      book.settled = settle(book.key, book.attempts, mergeWindowMs);
      done++;
      // The clock is read every LOOK_EVERY attempts worked out (~1 ms), not after every book (a
      // book of 20 takes ~40–80 µs, the call ~30 ns), nor every 16 books: 16 books of 1 000
      // attempts held the loop 20–98 ms in a 5 ms slice (measured).
      sinceLook += book.attempts.length;
      if (sinceLook >= LOOK_EVERY) {
        sinceLook = 0;
        if (performance.now() >= until) break;
      }
    }
    return done;
  }

  /** A book's work for this merge window, worked out now if it changed since. */
  settledOf(book: Book, mergeWindowMs: number): Settled {
    if (book.settled === null || book.settled.mergeWindowMs !== mergeWindowMs) {
      this.dirty.delete(book);
      book.settled = settle(book.key, book.attempts, mergeWindowMs);
    }
    return book.settled;
  }

  /** Books waiting to be worked out. */
  get waiting(): number {
    return this.dirty.size;
  }

  private touch(book: Book, now: number): void {
    book.settled = null;
    book.changedAt = now;
    this.dirty.add(book);
  }
}
