import type { AttemptLog } from './attempt-log.js';
import { analyse, type Analysis, type BuildOptions } from './analyse.js';
import { Chunks } from './chunks.js';
import { ClientJson } from './client-json.js';
import type { ClientFacts } from './client.js';
import type { Merger } from './merge.js';
import { RowJson, type Layout as RowLayout } from './row-json.js';
import type { Report } from './schema.js';

/**
 * The report's JSON (`GET /report`, `--report FILE.json`) written straight from the attempt log:
 * byte for byte `JSON.stringify(buildReport(log, options), null, indent)` (plus `trailer`),
 * without a row object per attempt nor one string of the whole report. The run-wide parts and
 * each client's facts go through JSON.stringify (small objects); each attempt row is written
 * from its Attempt by a template in the row's field order (row.ts). test/report/report-json.test.ts
 * compares the two on varied logs. Returns the UTF-8 bytes in chunks, as they go out; with
 * `sink`, hands each chunk to it as it fills instead (`--report FILE.json`) and returns none.
 */
export function reportJson(log: AttemptLog, options: BuildOptions, indent = 0, trailer = '', sink?: (bytes: Buffer) => void): ReportBytes {
  return writeAnalysis(analyse(log, options), indent, trailer, sink);
}

export interface ReportBytes {
  chunks: Buffer[];
  /** Their total length. */
  length: number;
  verdict: Report['verdict'];
}

/** Line breaks and indentation of a depth: nothing in compact JSON. */
class Layout implements RowLayout {
  readonly sp: string;
  private readonly lines: string[] = [];
  constructor(readonly indent: number) {
    this.sp = indent > 0 ? ' ' : '';
    for (let d = 0; d < 8; d++) this.lines.push(indent > 0 ? `\n${' '.repeat(d * indent)}` : '');
  }
  nl(depth: number): string {
    return this.lines[depth]!;
  }
  /** JSON.stringify of a value, its lines moved `depth` levels in. */
  json(value: unknown, depth: number): string {
    const text = JSON.stringify(value, null, this.indent);
    return this.indent > 0 && depth > 0 ? text.replace(/\n/g, this.lines[depth]!) : text;
  }
}

export function writeAnalysis(a: Analysis, indent = 0, trailer = '', sink?: (bytes: Buffer) => void): ReportBytes {
  const L = new Layout(indent);
  const out = new Chunks(400 * a.merger.g.sorted.length + 4096, sink);
  const rows = new RowJson(L);
  const facts = new ClientJson(L);
  const head = L.json({ version: a.version, startedAt: a.startedAt, generatedAt: a.generatedAt, clientKey: a.clientKey, mergeWindowMs: a.mergeWindowMs, attempts: a.attempts, faults: a.faults }, 0);
  out.write(`${head.slice(0, head.length - 1 - L.nl(0).length)},${L.nl(1)}"clients":${L.sp}[`);
  let first = true;
  const { expectations, verdict } = a.eachClient((client) => {
    out.write(first ? L.nl(2) : `,${L.nl(2)}`);
    first = false;
    writeClient(out, L, rows, facts, a.merger, client);
  });
  out.write(first ? ']' : `${L.nl(1)}]`);
  out.write(`,${L.json({ fleet: a.fleet, expectations, verdict }, 0).slice(1)}${trailer}`);
  const length = out.length;
  return { chunks: out.end(), length, verdict };
}

/** A client at depth 2: its members at 3, its attempt rows at 4. */
function writeClient(out: Chunks, L: Layout, rows: RowJson, facts: ClientJson, m: Merger, f: ClientFacts): void {
  const n3 = L.nl(3);
  out.write(`{${n3}"key":${L.sp}${JSON.stringify(f.key)},${n3}"keyedBy":${L.sp}${JSON.stringify(f.keyedBy)},${n3}"attempts":${L.sp}[`);
  // A client's rows as one string, written at once: fewer calls into the buffer code.
  let text = '';
  let ascii = true;
  for (let l = f.from; l < f.from + f.n; l++) {
    const sep = l === f.from ? L.nl(4) : `,${L.nl(4)}`;
    if (m.count[l] !== 1) {
      text += sep + L.json(m.joinedRow(l), 4);
      ascii = false;
      continue;
    }
    text += rows.row(sep, m.only(l), l - f.from + 1, m.endOf(l), m.outcome[l]!);
    ascii &&= rows.ascii;
  }
  if (ascii) out.ascii(text);
  else out.write(text);
  if (f.n > 0) out.write(`${n3}]`);
  else out.write(']');
  out.write(facts.facts(f));
}
