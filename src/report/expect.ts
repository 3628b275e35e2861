import type { Expectations } from './expect-schema.js';
import { lossesOf, type ClientFacts } from './client.js';
import type { ExpectationResult, Fleet, Report } from './schema.js';

const ms = (n: number) => `${Math.round(n)} ms`;

/**
 * Marks each expectation of the scenario pass or fail per client, with the evidence (SPEC §11).
 * Fleet-wide ones (jitter, herd) are judged once and shown on every client, so the JUnit file
 * has one test case per expectation per client. With no client at all every expectation fails:
 * a CI run that saw nobody connect has proven nothing.
 */
export function judge(expect: Expectations, client: ClientFacts, fleet: Fleet, now: number): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  if (expect.reconnectWithinMs !== undefined) {
    const within = expect.reconnectWithinMs;
    const losses = lossesOf(client.attempts);
    const late = losses.find((l) => (l.next === null ? now - l.at > within : l.next > within));
    const slowest = Math.max(0, ...losses.map((l) => l.next ?? now - l.at));
    out.push({
      name: 'reconnect.within',
      pass: !late,
      evidence: late
        ? late.next === null
          ? `lost a connection and opened none in ${ms(now - late.at)} (limit ${ms(within)})`
          : `next attempt ${ms(late.next)} after a loss (limit ${ms(within)})`
        : losses.length === 0
          ? 'lost no connection'
          : `${losses.length} loss(es); slowest next attempt ${ms(slowest)} (limit ${ms(within)})`,
    });
  }
  if (expect.minWaitMs !== undefined) {
    const shortest = client.waits.length > 0 ? Math.min(...client.waits) : null;
    out.push({
      name: 'minWait',
      pass: shortest === null || shortest >= expect.minWaitMs,
      evidence: shortest === null ? 'no retry' : `shortest wait ${ms(shortest)} (minimum ${ms(expect.minWaitMs)}); waits ${client.waits.map(Math.round).join(', ')}`,
    });
  }
  if (expect.jitter !== undefined) {
    const v = fleet.jitter.verdict;
    const evidence = `fleet jitter: ${v}` + (fleet.jitter.perIndex.length > 0 ? ` (${fleet.jitter.perIndex.map((p) => `k=${p.k} sd ${p.sdMs} of mean ${p.meanMs} ms`).join('; ')})` : ' (needs ≥ 2 clients with a k-th wait)');
    out.push({ name: 'jitter', pass: v !== 'insufficient' && (v === 'jitter') === expect.jitter, evidence });
  }
  if (expect.herd !== undefined) {
    const h = fleet.herd;
    const evidence =
      h.verdict === 'insufficient'
        ? 'no fault hit ≥ 3 clients at once'
        : `${h.verdict}: largest share ${h.largestShare} in 100 ms, first retry p10–p90 ${h.spreadMs.p10}–${h.spreadMs.p90} ms after ${h.fault}, peak ${h.peakPerSecond}/s`;
    // herd: false passes when no herd could form; herd: true needs one seen.
    out.push({ name: 'herd', pass: expect.herd ? h.verdict === 'herd' : h.verdict !== 'herd', evidence });
  }
  if (expect.maxAttempts !== undefined) {
    const n = client.attempts.length;
    out.push({ name: 'maxAttempts', pass: n <= expect.maxAttempts, evidence: `${n} attempt(s) (maximum ${expect.maxAttempts})` });
  }
  if (expect.resumes !== undefined) {
    const upgraded = client.recovery.filter((r) => r.upgradeAfter !== null);
    const silent = upgraded.filter((r) => r.messageAfter === null);
    const resumed = upgraded.length > 0 && silent.length === 0;
    out.push({
      name: 'resumes',
      pass: client.recovery.length === 0 ? expect.resumes : resumed === expect.resumes,
      evidence:
        client.recovery.length === 0
          ? 'lost no connection'
          : upgraded.length === 0
            ? 'never reconnected'
            : silent.length > 0
              ? `${silent.length} of ${upgraded.length} reconnection(s) without a client message`
              : `sent a message ${upgraded.map((r) => ms(r.messageAfter!)).join(', ')} after each loss`,
    });
  }
  return out;
}

export const EXPECTATION_NAMES = ['reconnect.within', 'minWait', 'jitter', 'herd', 'maxAttempts', 'resumes'] as const;

/** The run-wide lines: one per expectation, failing when it failed for any client. */
export function summarise(expect: Expectations | null, clients: Report['clients']): Pick<Report, 'expectations' | 'verdict'> {
  if (!expect || Object.keys(expect).length === 0) return { expectations: [], verdict: 'none' };
  const names = EXPECTATION_NAMES.filter((n) => (n === 'reconnect.within' ? expect.reconnectWithinMs : n === 'minWait' ? expect.minWaitMs : expect[n]) !== undefined);
  const expectations = names.map((name) => {
    if (clients.length === 0) return { name, pass: false, evidence: 'no client connected', failing: [] };
    const results = clients.map((c) => ({ key: c.key, r: c.expectations.find((e) => e.name === name)! }));
    const failing = results.filter((x) => !x.r.pass).map((x) => x.key);
    return { name, pass: failing.length === 0, evidence: failing.length === 0 ? `${clients.length} client(s) pass` : `${failing.length} of ${clients.length} client(s) fail: ${results.find((x) => !x.r.pass)!.r.evidence}`, failing };
  });
  return { expectations, verdict: expectations.every((e) => e.pass) ? 'pass' : 'fail' };
}
