import type { EventBus, RequestSeen } from '../events/bus.js';
import type { WsfaultEvent } from '../events/types.js';
import { ClientBooks } from './books.js';
import { clientKeyOf, engineIo, type KeySpec } from './identity.js';
import type { FaultMoment } from './schema.js';
import { connKey, newAttempt, type Attempt } from './attempt.js';

export { newAttempt, outcomeOf, type Attempt } from './attempt.js';

export const DEFAULT_CAP = 100_000;
/** Fault moments of one type this close together are one moment (a restart that closes every connection). */
const MOMENT_WINDOW_MS = 1_000;
const MAX_MOMENTS = 10_000;
/** Connections named across all fault moments (the herd figures need them; memory stays bounded). */
const MAX_MOMENT_CONNS = 100_000;

/**
 * The attempt log: hears the events bus and the connection observer, never the data path. It
 * keeps at most `cap` attempts (the oldest are dropped and counted); per connection only a few
 * numbers and strings, never headers or payloads.
 */
export class AttemptLog {
  private attempts: Attempt[] = [];
  /** Index of the first live entry of `attempts` (dropping is a pointer move, compacted now and then). */
  private head = 0;
  /** Attempts by proxy and connection id: every proxy counts its ids from c-1. */
  private readonly byConn = new Map<string, Attempt>();
  /** When each open attempt's client side closed (bus.clientClosed), until its connection.close. */
  private readonly clientClosedAt = new Map<string, number>();
  private moments: FaultMoment[] = [];
  private readonly openMoments = new Map<string, { moment: FaultMoment; seen: Set<string> }>();
  private momentConns = 0;
  /**
   * One string per client key (and spec): every attempt of a client points at the same one, so
   * the log keeps a key once per client and grouping 200 000 attempts finds it by identity.
   * Cleared when it outgrows the cap (keys of dropped attempts go with it).
   */
  private readonly keys = new Map<string, { text: string; id: number }>();
  /** Numbers given to keys so far (Attempt.client is below it); restarted only with the attempts (reset). */
  private ids = 0;
  /** Largest start added so far, and whether some attempt came before it: the report sorts only then. */
  private latest = -Infinity;
  private unordered = false;
  /** Kept attempts that have no key yet: the report resolves keys by address only when some do. */
  private keyless = 0;
  total = 0;
  dropped = 0;
  startedAt = Date.now();
  /** Each client's attempts and the report's work on them (books.ts). */
  readonly books = new ClientBooks();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly specs: readonly KeySpec[],
    readonly cap = DEFAULT_CAP,
  ) {}

  attach(bus: EventBus): () => void {
    this.stops.push(bus.subscribe((event) => this.onEvent(event)));
    this.stops.push(
      bus.observe({
        request: (proxy, conn, request) => this.onRequest(proxy, conn, request),
        firstClientMessage: (proxy, conn) => {
          const attempt = this.byConn.get(connKey(proxy, conn));
          if (!attempt || attempt.firstMessageAt !== undefined) return;
          attempt.firstMessageAt = Date.now();
          this.books.changed(attempt, attempt.firstMessageAt);
        },
        clientClosed: (proxy, conn) => {
          const key = connKey(proxy, conn);
          if (this.byConn.has(key)) this.clientClosedAt.set(key, Date.now());
        },
      }),
    );
    return () => this.stops.splice(0).forEach((stop) => stop());
  }

  /** POST /report/reset: a fresh measurement. */
  reset(): void {
    this.attempts = [];
    this.head = 0;
    this.byConn.clear();
    this.clientClosedAt.clear();
    this.moments = [];
    this.openMoments.clear();
    this.momentConns = 0;
    this.keys.clear();
    this.ids = 0;
    this.latest = -Infinity;
    this.unordered = false;
    this.keyless = 0;
    this.books.clear();
    this.total = 0;
    this.dropped = 0;
    this.startedAt = Date.now();
  }

  list(): readonly Attempt[] {
    return this.head === 0 ? this.attempts : this.attempts.slice(this.head);
  }

  /**
   * What the report may skip checking: `sorted` when every attempt came in start order (else the
   * report checks and sorts), `keyed` when every kept attempt has its key. Kept as attempts come,
   * so a report of 200 000 attempts makes two passes over them fewer.
   */
  hints(): { sorted: boolean; keyed: boolean; ids: number } {
    return { sorted: !this.unordered, keyed: this.keyless === 0, ids: this.ids };
  }

  /** Whether the report may read the books: every kept attempt keyed (no client by address), all in start order. */
  booksUsable(): boolean {
    return this.keyless === 0 && !this.unordered;
  }

  faultMoments(): readonly FaultMoment[] {
    return this.moments;
  }

  /** Adds an attempt as if seen (the bench and replays build logs this way). */
  add(attempt: Attempt): void {
    if (attempt.key !== null) {
      const known = this.intern(attempt.key);
      attempt.key = known.text;
      attempt.client = known.id;
    }
    if (attempt.keyedBy !== null) attempt.keyedBy = this.intern(attempt.keyedBy).text;
    if (attempt.start >= this.latest) this.latest = attempt.start;
    else this.unordered = true;
    attempt.seq = this.total++;
    if (attempt.key === null) this.keyless++;
    else this.books.keyed(attempt, Date.now());
    this.attempts.push(attempt);
    this.byConn.set(connKey(attempt.proxy, attempt.conn), attempt);
    if (this.attempts.length - this.head > this.cap) {
      const old = this.attempts[this.head++]!;
      this.byConn.delete(connKey(old.proxy, old.conn));
      if (old.key === null) this.keyless--;
      else this.books.dropped(old, Date.now());
      this.dropped++;
      if (this.head > 4096 && this.head * 2 > this.attempts.length) {
        this.attempts = this.attempts.slice(this.head);
        this.head = 0;
      }
    }
  }

  private onEvent(event: WsfaultEvent): void {
    const now = Date.now();
    switch (event.type) {
      case 'connection.open':
        this.add(newAttempt(event.conn, event.proxy, event.client.address, now));
        return;
      case 'handshake': {
        const a = this.byConn.get(connKey(event.proxy, event.conn));
        if (!a) return;
        if (event.status !== null) a.status = event.status;
        if (event.status === 101) a.upgradedAt = now;
        return this.books.changed(a, now);
      }
      case 'http.request': {
        const a = this.byConn.get(connKey(event.proxy, event.conn));
        if (!a) return;
        a.http = true;
        return this.books.changed(a, now);
      }
      case 'fault.applied': {
        if (!event.conn) return;
        const a = this.byConn.get(connKey(event.proxy, event.conn));
        if (a && !a.faults.includes(event.fault.type)) {
          a.faults.push(event.fault.type);
          this.books.changed(a, now);
        }
        this.moment(event.fault.type, event.proxy, event.conn, now);
        return;
      }
      case 'tls.error': {
        const a = this.byConn.get(connKey(event.proxy, event.conn));
        if (!a) return;
        a.tlsError = true;
        return this.books.changed(a, now);
      }
      case 'connection.close': {
        const key = connKey(event.proxy, event.conn);
        const a = this.byConn.get(key);
        const clientClosed = this.clientClosedAt.get(key);
        this.clientClosedAt.delete(key);
        if (!a) return;
        // The attempt ended for the client when its side closed, not when the upstream's did too.
        a.end = clientClosed ?? now;
        a.closedBy = event.by;
        a.how = event.how;
        if (event.code !== undefined) a.closeCode = event.code;
        return this.books.changed(a, now);
      }
      default:
        return;
    }
  }

  private onRequest(proxy: string, conn: string, request: RequestSeen): void {
    const a = this.byConn.get(connKey(proxy, conn));
    if (!a) return;
    const eio = engineIo(request.query);
    if (eio) {
      a.eio = true;
      if (a.sid === null && eio.sid) a.sid = eio.sid;
    }
    if (a.key !== null) return this.books.changed(a, Date.now());
    const { key, by } = clientKeyOf(this.specs, request, a.address);
    this.keyless--;
    const known = this.intern(key);
    a.key = known.text;
    a.client = known.id;
    a.keyedBy = this.intern(by).text;
    a.method = request.method;
    a.path = request.path;
    this.books.keyed(a, Date.now());
  }

  private intern(text: string): { text: string; id: number } {
    const known = this.keys.get(text);
    if (known !== undefined) return known;
    if (this.keys.size >= this.cap) this.keys.clear();
    const fresh = { text, id: this.ids++ };
    this.keys.set(text, fresh);
    return fresh;
  }

  /** Fault moments: one per fault type acting within MOMENT_WINDOW_MS of its first act; bounded in moments and in connections named. */
  private moment(type: string, proxy: string, conn: string, now: number): void {
    let open = this.openMoments.get(type);
    if (!open || now - open.moment.at > MOMENT_WINDOW_MS) {
      if (this.moments.length >= MAX_MOMENTS) this.momentConns -= this.moments.shift()!.conns.length;
      open = { moment: { at: now, type, conns: [], proxies: [] }, seen: new Set() };
      this.openMoments.set(type, open);
      this.moments.push(open.moment);
    }
    const key = connKey(proxy, conn);
    if (open.seen.has(key) || this.momentConns >= MAX_MOMENT_CONNS) return;
    open.seen.add(key);
    open.moment.conns.push(conn);
    open.moment.proxies.push(proxy);
    this.momentConns++;
  }
}
