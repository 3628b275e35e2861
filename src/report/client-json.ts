import type { ClientFacts } from './client.js';
import { isAscii } from './row-json.js';
import type { ExpectationResult } from './schema.js';

/** Expectations judged once for the whole fleet and shown on every client (expect.ts). */
const FLEET_WIDE = new Set(['jitter', 'herd']);

/** Line breaks and indentation of each depth (nothing in compact JSON), JSON.stringify at a depth. */
export interface ClientLayout {
  readonly sp: string;
  nl(depth: number): string;
  json(value: unknown, depth: number): string;
}

/**
 * The JSON text of a client's facts after its attempt rows (waits, backoff, gaveUp, recovery,
 * expectations) at depth 2, its members at 3: what JSON.stringify gives for them. Made 10 000
 * times a report, so what is the same from client to client is turned into text once: the
 * fleet-wide expectations (jitter, herd) carry one evidence string for every client, ~1 KB each.
 */
export class ClientJson {
  /** Per position in a client's expectations: the last result seen there and its JSON text. */
  private readonly results: (Result | undefined)[] = [];

  constructor(private readonly L: ClientLayout) {}

  /** `,"waits":…,"backoff":…,"gaveUp":…,"recovery":…,"expectations":[…]}` (the client's closing brace included). */
  facts(f: ClientFacts): string {
    return this.waits(f) + this.rest(f, this.L.json(f.recovery, 3));
  }

  /** `,"waits":…,"backoff":…`: what a settled book keeps (settle.ts). */
  waits(f: Pick<ClientFacts, 'waits' | 'backoff'>): string {
    const L = this.L;
    const [n3, sp] = [L.nl(3), L.sp];
    return `,${n3}"waits":${sp}${L.json(f.waits, 3)},${n3}"backoff":${sp}${L.json(f.backoff, 3)}`;
  }

  /** `,"gaveUp":…,"recovery":…,"expectations":[…]}`, the recovery's JSON given. */
  rest(f: ClientFacts, recovery: string): string {
    let text = this.beforeResults(f, recovery);
    const list = f.expectations;
    for (let i = 0; i < list.length; i++) text += (i > 0 ? ',' : '') + this.L.nl(4) + this.result(i, list[i]!).text;
    return text + this.afterResults(list.length);
  }

  /**
   * What `rest` makes, written to `out`: the fleet-wide results' bytes (the same for every
   * client) go in as bytes made once, the rest as text.
   */
  writeRest(out: TextOut, f: ClientFacts, recovery: string, recoveryAscii: boolean): void {
    let text = this.beforeResults(f, recovery);
    let ascii = recoveryAscii;
    const list = f.expectations;
    for (let i = 0; i < list.length; i++) {
      const r = this.result(i, list[i]!);
      text += (i > 0 ? ',' : '') + this.L.nl(4);
      if (r.bytes === null) {
        text += r.text;
        ascii &&= r.ascii;
        continue;
      }
      if (ascii) out.ascii(text);
      else out.write(text);
      out.bytes(r.bytes);
      text = '';
      ascii = true;
    }
    text += this.afterResults(list.length);
    if (ascii) out.ascii(text);
    else out.write(text);
  }

  private beforeResults(f: ClientFacts, recovery: string): string {
    const L = this.L;
    const [n3, sp] = [L.nl(3), L.sp];
    return `,${n3}"gaveUp":${sp}${f.gaveUp === null ? 'null' : L.json(f.gaveUp, 3)},${n3}"recovery":${sp}${recovery},${n3}"expectations":${sp}[`;
  }

  private afterResults(count: number): string {
    return `${count > 0 ? this.L.nl(3) : ''}]${this.L.nl(2)}}`;
  }

  /**
   * A result's JSON at depth 4. The fleet-wide ones (the same evidence object for every client)
   * are made once per report, text and bytes, so a report does not write the ~1 KB jitter
   * evidence anew for every client; the others differ from client to client, and comparing them
   * would cost more than writing them (each evidence a string built by concatenation).
   */
  private result(i: number, e: ExpectationResult): Result {
    const shared = FLEET_WIDE.has(e.name);
    const known = shared ? this.results[i] : undefined;
    if (known !== undefined && known.evidence === e.evidence && known.pass === e.pass && known.name === e.name) return known;
    const L = this.L;
    const [n4, n5, sp] = [L.nl(4), L.nl(5), L.sp];
    const evidence = JSON.stringify(e.evidence);
    const text = `{${n5}"name":${sp}${JSON.stringify(e.name)},${n5}"pass":${sp}${e.pass},${n5}"evidence":${sp}${evidence}${n4}}`;
    const ascii = isAscii(e.name) && isAscii(evidence);
    const made = { name: e.name, pass: e.pass, evidence: e.evidence, text, ascii, bytes: shared ? Buffer.from(text, 'utf8') : null };
    if (shared) this.results[i] = made;
    return made;
  }
}

interface Result {
  name: string;
  pass: boolean;
  evidence: string;
  text: string;
  ascii: boolean;
  /** Its UTF-8 bytes, for the fleet-wide results. */
  bytes: Buffer | null;
}

/** Where `writeRest` writes (report-json.ts's Chunks). */
export interface TextOut {
  ascii(text: string): void;
  write(text: string): void;
  bytes(b: Buffer): void;
}
