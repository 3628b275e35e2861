import type { Attempt } from './attempt.js';
import type { Merger } from './merge.js';

/** Line breaks and indentation of each depth (nothing in compact JSON), and the space after a colon. */
export interface Layout {
  readonly sp: string;
  nl(depth: number): string;
}

/** A piece of JSON text and whether it is all ASCII (then Latin-1 bytes are its UTF-8 bytes). */
interface Piece {
  text: string;
  ascii: boolean;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * The JSON text of one-connection attempt rows at depth 4 (their fields at 5), in the fields and
 * order of row.ts's Row: the text JSON.stringify gives for the row object, without the object.
 * Rows are made 200 000 at a time, so the text between the numbers is made once per layout, and
 * what repeats from row to row (the proxy, the outcome and faults, the closing fields) is
 * remembered from the row before: a row is about a dozen concatenations rather than fifty.
 */
export class RowJson {
  /** Whether the last row's text is all ASCII. */
  ascii = true;
  private readonly open: string;
  private readonly conns: string;
  private readonly afterConn: string;
  private readonly start: string;
  private readonly end: string;
  private readonly outcome: string;
  private readonly close: string;
  private proxy: { of: string | undefined; piece: Piece } = { of: undefined, piece: { text: '', ascii: true } };
  private verdict: { outcome: string; fault: string | undefined; length: number; status: number | undefined; piece: Piece } = { outcome: '', fault: undefined, length: -1, status: undefined, piece: { text: '', ascii: true } };
  private tail: { closeCode: number | undefined; closedBy: string | undefined; how: string | undefined; method: string | undefined; path: string | undefined; piece: Piece } | null = null;

  constructor(private readonly L: Layout) {
    const [n4, n5, n6, sp] = [L.nl(4), L.nl(5), L.nl(6), L.sp];
    this.open = `{${n5}"id":${sp}`;
    this.conns = `,${n5}"conns":${sp}[${n6}"`;
    this.afterConn = `"${n5}],${n5}"proxy":${sp}"`;
    this.start = `",${n5}"start":${sp}`;
    this.end = `,${n5}"end":${sp}`;
    this.outcome = `,${n5}"outcome":${sp}"`;
    this.close = `${n4}}`;
  }

  /** Logical attempt `id` of its client, made of connection `a` alone, after `before` (the separator). */
  row(before: string, a: Attempt, id: number, end: number | null, outcome: string): string {
    let conn = a.conn;
    let ascii = true;
    if (!plain(conn)) ({ text: conn, ascii } = esc(conn));
    const proxy = this.proxyPiece(a.proxy);
    const verdict = this.verdictPiece(outcome, a.faults, a.status);
    const tail = this.tailPiece(a);
    this.ascii = ascii && proxy.ascii && verdict.ascii && tail.ascii;
    const times = a.upgradedAt === undefined && a.firstMessageAt === undefined ? '' : this.times(a);
    return `${before}${this.open}${id}${this.conns}${conn}${this.afterConn}${proxy.text}${this.start}${num(a.start)}${this.end}${end === null ? 'null' : num(end)}${this.outcome}${verdict.text}${times}${tail.text}${this.close}`;
  }

  private proxyPiece(proxy: string): Piece {
    if (this.proxy.of !== proxy) this.proxy = { of: proxy, piece: esc(proxy) };
    return this.proxy.piece;
  }

  /** The outcome, the faults and the status: the same for most rows of a run. */
  private verdictPiece(outcome: string, faults: readonly string[], status: number | undefined): Piece {
    const v = this.verdict;
    if (v.outcome === outcome && v.status === status && v.length === faults.length && faults.length <= 1 && v.fault === faults[0]) return v.piece;
    const n5 = this.L.nl(5);
    const n6 = this.L.nl(6);
    let text = `${outcome}",${n5}"faults":${this.L.sp}[`;
    let ascii = true;
    for (let i = 0; i < faults.length; i++) {
      const f = esc(faults[i]!);
      ascii &&= f.ascii;
      text += `${i > 0 ? ',' : ''}${n6}"${f.text}"`;
    }
    text += faults.length > 0 ? `${n5}]` : ']';
    if (status !== undefined) text += `,${n5}"status":${this.L.sp}${num(status)}`;
    const piece = { text, ascii };
    if (faults.length <= 1) this.verdict = { outcome, fault: faults[0], length: faults.length, status, piece };
    return piece;
  }

  /** status comes before upgradedAt and firstMessageAt: the times are written between it and the tail. */
  private times(a: Attempt): string {
    const n5 = this.L.nl(5);
    const sp = this.L.sp;
    let text = '';
    if (a.upgradedAt !== undefined) text += `,${n5}"upgradedAt":${sp}${num(a.upgradedAt)}`;
    if (a.firstMessageAt !== undefined) text += `,${n5}"firstMessageAt":${sp}${num(a.firstMessageAt)}`;
    return text;
  }

  /** closeCode, closedBy, how, method and path: the fields after the times. */
  private tailPiece(a: Attempt): Piece {
    const t = this.tail;
    if (t && t.closeCode === a.closeCode && t.closedBy === a.closedBy && t.how === a.how && t.method === a.method && t.path === a.path) return t.piece;
    const n5 = this.L.nl(5);
    const sp = this.L.sp;
    let text = '';
    let ascii = true;
    const field = (name: string, value: string) => {
      const v = esc(value);
      ascii &&= v.ascii;
      text += `,${n5}"${name}":${sp}"${v.text}"`;
    };
    if (a.closeCode !== undefined) text += `,${n5}"closeCode":${sp}${num(a.closeCode)}`;
    if (a.closedBy) field('closedBy', a.closedBy);
    if (a.how) field('how', a.how);
    if (a.method !== undefined) {
      field('method', a.method);
      if (a.path !== undefined) field('path', a.path);
    }
    const piece = { text, ascii };
    this.tail = { closeCode: a.closeCode, closedBy: a.closedBy, how: a.how, method: a.method, path: a.path, piece };
    return piece;
  }
}

/** A number as JSON writes it (a non-finite one as null). */
export const num = (x: number): number | string => (Number.isFinite(x) ? x : 'null');

/** Printable ASCII without `"` or `\\`: its JSON text is itself (nearly every string the log holds). */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) return false;
  }
  return true;
}

/** A string's JSON text without its quotes. */
function esc(s: string): Piece {
  if (plain(s)) return { text: s, ascii: true };
  const text = JSON.stringify(s).slice(1, -1);
  return { text, ascii: !NON_ASCII.test(text) };
}

/**
 * A client's attempt rows at depth 4 (each after its separator, none around them), logical
 * attempts [from, from + n) of `m`, as one string, and whether it is all ASCII.
 */
export function rowsText(L: Layout & { json(value: unknown, depth: number): string }, rows: RowJson, m: Merger, from: number, n: number): { text: string; ascii: boolean } {
  let text = '';
  let ascii = true;
  for (let l = from; l < from + n; l++) {
    const sep = l === from ? L.nl(4) : `,${L.nl(4)}`;
    if (m.count[l] !== 1) {
      text += sep + L.json(m.joinedRow(l), 4);
      ascii = false;
      continue;
    }
    text += rows.row(sep, m.only(l), l - from + 1, m.endOf(l), m.outcome[l]!);
    ascii &&= rows.ascii;
  }
  return { text, ascii };
}

/**
 * A client's JSON from its opening brace to the end of its attempt rows, as one string (fewer
 * calls into the buffer code), and whether it is all ASCII.
 */
export function clientHead(L: Layout & { json(value: unknown, depth: number): string }, rows: RowJson, f: { key: string; keyedBy: string; m: Merger; from: number; n: number }): { text: string; ascii: boolean } {
  const n3 = L.nl(3);
  const key = JSON.stringify(f.key);
  const keyedBy = JSON.stringify(f.keyedBy);
  const { text, ascii } = rowsText(L, rows, f.m, f.from, f.n);
  return { text: `{${n3}"key":${L.sp}${key},${n3}"keyedBy":${L.sp}${keyedBy},${n3}"attempts":${L.sp}[${text}${f.n > 0 ? n3 : ''}]`, ascii: ascii && isAscii(key) && isAscii(keyedBy) };
}

export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}
