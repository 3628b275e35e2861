import type { ClientFacts } from './client.js';
import type { ExpectationResult } from './schema.js';

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
  /** Per position in a client's expectations: the last evidence string seen there and its JSON text. */
  private evidence: { of: string; text: string }[] = [];

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
    const L = this.L;
    const [n2, n3, sp] = [L.nl(2), L.nl(3), L.sp];
    return `,${n3}"gaveUp":${sp}${f.gaveUp === null ? 'null' : L.json(f.gaveUp, 3)},${n3}"recovery":${sp}${recovery},${n3}"expectations":${sp}${this.expectations(f.expectations)}${n2}}`;
  }

  /** The list at depth 3: each result at 4, its fields at 5. */
  private expectations(list: readonly ExpectationResult[]): string {
    if (list.length === 0) return '[]';
    const L = this.L;
    const [n3, n4, n5, sp] = [L.nl(3), L.nl(4), L.nl(5), L.sp];
    let text = '[';
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      text += `${i > 0 ? ',' : ''}${n4}{${n5}"name":${sp}${JSON.stringify(e.name)},${n5}"pass":${sp}${e.pass},${n5}"evidence":${sp}${this.evidenceText(i, e.evidence)}${n4}}`;
    }
    return `${text}${n3}]`;
  }

  private evidenceText(i: number, evidence: string): string {
    const known = this.evidence[i];
    if (known && known.of === evidence) return known.text;
    const text = JSON.stringify(evidence);
    this.evidence[i] = { of: evidence, text };
    return text;
  }
}
