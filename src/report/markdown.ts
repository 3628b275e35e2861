import type { Report } from './schema.js';

const rel = (report: Report, t: number | null | undefined) => (t === null || t === undefined ? '–' : `+${((t - report.startedAt) / 1000).toFixed(3)} s`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report for people and CI summaries (GitHub's job summary renders it). */
export function renderMarkdown(report: Report): string {
  const out: string[] = ['# wsfault reconnect report', ''];
  out.push(`Verdict: **${report.verdict}** · ${report.clients.length} client(s) · ${report.attempts.total} connection(s) (${report.attempts.dropped} dropped, cap ${report.attempts.cap}) · client key ${report.clientKey.specs.join(', ')}`);
  if (report.clientKey.weak) out.push('', `> ${report.clientKey.note}`);
  if (report.expectations.length > 0) {
    out.push('', '## Expectations', '', '| expectation | result | evidence |', '|---|---|---|');
    for (const e of report.expectations) out.push(`| ${e.name} | ${e.pass ? 'pass' : '**fail**'} | ${cell(e.evidence)} |`);
  }
  const f = report.fleet;
  out.push('', '## Fleet', '');
  out.push(`- jitter: ${f.jitter.verdict}${f.jitter.perIndex.length ? ` (${f.jitter.perIndex.map((p) => `k=${p.k}: sd ${p.sdMs} / mean ${p.meanMs} ms`).join('; ')})` : ''}`);
  out.push(`- herd: ${f.herd.verdict}${f.herd.verdict === 'insufficient' ? '' : ` after ${f.herd.fault} (${f.herd.clients} clients): first retry p10–p90 ${f.herd.spreadMs.p10}–${f.herd.spreadMs.p90} ms, largest share in 100 ms ${f.herd.largestShare}`}; peak ${f.herd.peakPerSecond} attempts/s`);
  out.push(`- median schedule: ${f.schedule.join(', ') || '–'} ms → ${f.backoff.label}`);
  out.push('', '## Clients', '', '| client | attempts | backoff | waits (ms) | gave up | recovery (upgrade / message, ms) | expectations |', '|---|---|---|---|---|---|---|');
  for (const c of report.clients) {
    const rec = c.recovery.map((r) => `${r.fault}: ${r.upgradeAfter ?? '–'} / ${r.messageAfter ?? '–'}`).join('; ') || '–';
    const ex = c.expectations.map((e) => `${e.name} ${e.pass ? '✓' : '✗'}`).join(', ') || '–';
    out.push(`| ${cell(c.key)} | ${c.attempts.length} | ${cell(c.backoff.label)} | ${c.waits.map(Math.round).join(', ') || '–'} | ${c.gaveUp ? `after ${c.gaveUp.after}` : 'no'} | ${cell(rec)} | ${ex} |`);
  }
  for (const c of report.clients) {
    out.push('', `### ${c.key}`, '', '| # | start | end | outcome | close | faults |', '|---|---|---|---|---|---|');
    for (const a of c.attempts) {
      const close = a.closeCode !== undefined ? `${a.closeCode} by ${a.closedBy ?? '?'}` : a.how ? `${a.how} by ${a.closedBy ?? '?'}` : '';
      out.push(`| ${a.id} | ${rel(report, a.start)} | ${rel(report, a.end)} | ${a.outcome}${a.status !== undefined && a.status !== 101 ? ` ${a.status}` : ''} | ${close} | ${a.faults.join(', ')} |`);
    }
    for (const e of c.expectations) if (!e.pass) out.push('', `- **${e.name} failed**: ${e.evidence}`);
  }
  return out.join('\n') + '\n';
}
