import type { AttemptLog } from './attempt-log.js';
import { analyse, type Analysis, type BuildOptions } from './analyse.js';
import type { JunitInput } from './junit.js';
import type { Report, ReportAttempt } from './schema.js';

export type { BuildOptions } from './analyse.js';

/**
 * The report as objects (`chaos.report()`, Markdown, JUnit): the analysis with one row object per
 * logical attempt. Pure, so the bench and the tests call it directly. `GET /report` and
 * `--report FILE.json` write the same JSON without these objects (report-json.ts).
 */
export function buildReport(log: AttemptLog, options: BuildOptions): Report {
  return reportOf(analyse(log, options));
}

/** Each client's expectations and the verdict, without attempt rows: what the JUnit file says. */
export function verdictsOf(log: AttemptLog, options: BuildOptions): JunitInput & Pick<Report, 'verdict'> {
  const a = analyse(log, options);
  const clients: JunitInput['clients'] = [];
  const { expectations, verdict } = a.eachClient((f) => clients.push({ key: f.key, expectations: f.expectations }));
  return { startedAt: a.startedAt, generatedAt: a.generatedAt, clients, expectations, verdict };
}

export function reportOf(a: Analysis): Report {
  const clients: Report['clients'] = [];
  const { expectations, verdict } = a.eachClient((f) => {
    const m = f.m;
    const attempts: ReportAttempt[] = new Array(f.n);
    for (let i = 0; i < f.n; i++) attempts[i] = m.attempt(f.from + i, i + 1);
    if (f.compact === null) {
      clients.push({ key: f.key, keyedBy: f.keyedBy, attempts, waits: f.waits, backoff: f.backoff, gaveUp: f.gaveUp, recovery: f.recovery, expectations: f.expectations });
      return;
    }
    // A book's work is kept for the next report: the caller gets copies it may change.
    for (let i = 0; i < f.n; i++) if (m.count[f.from + i] !== 1) attempts[i] = structuredClone(attempts[i]!);
    const backoff = { ...f.backoff, waits: [...f.backoff.waits] };
    clients.push({ key: f.key, keyedBy: f.keyedBy, attempts, waits: [...f.waits], backoff, gaveUp: f.gaveUp, recovery: f.recovery.map((r) => ({ ...r })), expectations: f.expectations });
  });
  return {
    version: a.version,
    startedAt: a.startedAt,
    generatedAt: a.generatedAt,
    clientKey: a.clientKey,
    mergeWindowMs: a.mergeWindowMs,
    attempts: a.attempts,
    faults: a.faults,
    clients,
    fleet: a.fleet,
    expectations,
    verdict,
  };
}
