import type { ExpectationResult, Report } from './schema.js';

/** What the JUnit file says: each client's expectations, the run-wide ones, and when. */
export interface JunitInput extends Pick<Report, 'startedAt' | 'generatedAt' | 'expectations'> {
  clients: { key: string; expectations: ExpectationResult[] }[];
}

const SPECIAL = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** The last text escaped: the fleet-wide evidence comes once per client, the same string each time. */
let last = { of: '', xml: '' };

/** Text as XML attribute or element content: XML 1.0's forbidden controls dropped, markup escaped. */
function xml(s: string): string {
  if (s === last.of) return last.xml;
  const out = !SPECIAL.test(s)
    ? s
    : s
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
  last = { of: s, xml: out };
  return out;
}

/**
 * JUnit XML (the de facto schema Jenkins, GitHub and GitLab read): one testsuite per client, one
 * testcase per expectation of that client, a <failure> with the evidence when it failed. A run
 * without clients gets one suite with the run-wide lines, so an empty run shows up as failures.
 * Takes only what it writes, so a CI job's `--report junit.xml` needs no attempt rows (build.ts
 * `verdictsOf`).
 */
export function renderJunit(report: JunitInput): string {
  const suites: { name: string; cases: { name: string; pass: boolean; evidence: string }[] }[] = report.clients
    .filter((c) => c.expectations.length > 0)
    .map((c) => ({ name: c.key, cases: c.expectations }));
  if (report.clients.length === 0 && report.expectations.length > 0) suites.push({ name: 'wsfault', cases: report.expectations });
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => !c.pass).length, 0);
  const stamp = new Date(report.generatedAt).toISOString();
  const time = ((report.generatedAt - report.startedAt) / 1000).toFixed(3);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="wsfault reconnect" tests="${tests}" failures="${failures}" time="${time}">`];
  for (const s of suites) {
    const f = s.cases.filter((c) => !c.pass).length;
    out.push(`  <testsuite name="${xml(`client ${s.name}`)}" tests="${s.cases.length}" failures="${f}" errors="0" timestamp="${stamp}" time="${time}">`);
    for (const c of s.cases) {
      const open = `    <testcase classname="${xml(`wsfault.client ${s.name}`)}" name="${xml(c.name)}" time="0">`;
      if (c.pass) out.push(`${open}<system-out>${xml(c.evidence)}</system-out></testcase>`);
      else out.push(`${open}<failure message="${xml(c.evidence)}" type="expectation">${xml(c.evidence)}</failure></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
