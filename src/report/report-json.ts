import type { AttemptLog } from './attempt-log.js';
import { analyse, type Analysis, type BuildOptions } from './analyse.js';
import { Chunks } from './chunks.js';
import { ClientJson } from './client-json.js';
import type { ClientFacts } from './client.js';
import { JsonLayout } from './layout.js';
import { clientHead, RowJson } from './row-json.js';
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

export function writeAnalysis(a: Analysis, indent = 0, trailer = '', sink?: (bytes: Buffer) => void): ReportBytes {
  const L = new JsonLayout(indent);
  const out = new Chunks(400 * a.attempts.kept + 4096, sink);
  const rows = new RowJson(L);
  const facts = new ClientJson(L);
  const head = L.json({ version: a.version, startedAt: a.startedAt, generatedAt: a.generatedAt, clientKey: a.clientKey, mergeWindowMs: a.mergeWindowMs, attempts: a.attempts, faults: a.faults }, 0);
  out.write(`${head.slice(0, head.length - 1 - L.nl(0).length)},${L.nl(1)}"clients":${L.sp}[`);
  let first = true;
  const { expectations, verdict } = a.eachClient((client) => {
    out.write(first ? L.nl(2) : `,${L.nl(2)}`);
    first = false;
    writeClient(out, L, rows, facts, client);
  });
  out.write(first ? ']' : `${L.nl(1)}]`);
  out.write(`,${L.json({ fleet: a.fleet, expectations, verdict }, 0).slice(1)}${trailer}`);
  const length = out.length;
  return { chunks: out.end(), length, verdict };
}

/** A client at depth 2: its members at 3, its attempt rows at 4. */
function writeClient(out: Chunks, L: JsonLayout, rows: RowJson, facts: ClientJson, f: ClientFacts): void {
  if (f.compact !== null && L.indent === 0) {
    // Its book kept the text up to its backoff: only what depends on the moment is made now.
    out.bytes(f.compact.head);
    return facts.writeRest(out, f, f.compact.recovery, f.compact.recoveryAscii);
  }
  const { text, ascii } = clientHead(L, rows, f);
  if (ascii) out.ascii(text);
  else out.write(text);
  out.write(facts.facts(f));
}
