import type { Expectations } from './expect-schema.js';
import { lossesOf, waitListOf, type ClientFacts } from './client.js';
import type { ExpectationResult, Fleet, Report } from './schema.js';

const ms = (n: number) => `${Math.round(n)} ms`;

/**
 * Marks each expectation of the scenario pass or fail per client, with the evidence (SPEC §11).
 * Fleet-wide ones (jitter, herd) are judged once and shown on every client, so the JUnit file
 * has one test case per expectation per client. With no client at all every expectation fails:
 * a CI run that saw nobody connect has proven nothing. The fleet-wide evidence is written once
 * and the returned function judges one client.
 */
export function judge(expect: Expectations, fleet: Fleet, now: number): (client: ClientFacts) => ExpectationResult[] {
  const jitter = expect.jitter === undefined ? null : jitterResult(expect.jitter, fleet);
  const herd = expect.herd === undefined ? null : herdResult(expect.herd, fleet);
  return (client) => judgeClient(expect, client, jitter, herd, now);
}

function jitterResult(expected: boolean, fleet: Fleet): ExpectationResult {
  const v = fleet.jitter.verdict;
  const evidence = `fleet jitter: ${v}` + (fleet.jitter.perIndex.length > 0 ? ` (${fleet.jitter.perIndex.map((p) => `k=${p.k} sd ${p.sdMs} of mean ${p.meanMs} ms`).join('; ')})` : ' (needs ≥ 2 clients with a k-th wait)');
  return { name: 'jitter', pass: v !== 'insufficient' && (v === 'jitter') === expected, evidence };
}

function herdResult(expected: boolean, fleet: Fleet): ExpectationResult {
  const h = fleet.herd;
  const evidence =
    h.verdict === 'insufficient'
      ? 'no fault hit ≥ 3 clients at once'
      : `${h.verdict}: largest share ${h.largestShare} in 100 ms, first retry p10–p90 ${h.spreadMs.p10}–${h.spreadMs.p90} ms after ${h.fault}, peak ${h.peakPerSecond}/s`;
  // herd: false passes when no herd could form; herd: true needs one seen.
  return { name: 'herd', pass: expected ? h.verdict === 'herd' : h.verdict !== 'herd', evidence };
}

function judgeClient(expect: Expectations, client: ClientFacts, jitter: ExpectationResult | null, herd: ExpectationResult | null, now: number): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  if (expect.reconnectWithinMs !== undefined) {
    const within = expect.reconnectWithinMs;
    const losses = client.losses ?? lossesOf(client.m, client);
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
    const w = client.waits;
    const { shortest, list } = client.waitList ?? waitListOf(w);
    out.push({
      name: 'minWait',
      pass: w.length === 0 || shortest >= expect.minWaitMs,
      evidence: w.length === 0 ? 'no retry' : `shortest wait ${ms(shortest)} (minimum ${ms(expect.minWaitMs)}); waits ${list}`,
    });
  }
  if (jitter) out.push({ name: jitter.name, pass: jitter.pass, evidence: jitter.evidence });
  if (herd) out.push({ name: herd.name, pass: herd.pass, evidence: herd.evidence });
  if (expect.maxAttempts !== undefined) {
    const n = client.n;
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

/**
 * The run-wide lines: one per expectation, failing when it failed for any client. Clients are
 * added one at a time, as the report works them out, so their facts need not all be kept.
 */
export class Tally {
  private readonly names: string[];
  private readonly failing: string[][];
  private readonly first: (ExpectationResult | null)[];
  private clients = 0;

  constructor(private readonly expect: Expectations | null) {
    const e = expect;
    this.names = !e || Object.keys(e).length === 0 ? [] : EXPECTATION_NAMES.filter((n) => (n === 'reconnect.within' ? e.reconnectWithinMs : n === 'minWait' ? e.minWaitMs : e[n]) !== undefined);
    this.failing = this.names.map(() => []);
    this.first = this.names.map(() => null);
  }

  add(client: Pick<ClientFacts, 'key' | 'expectations'>): void {
    this.clients++;
    const results = client.expectations;
    for (let i = 0; i < this.names.length; i++) {
      // judgeClient gives them in this same order; found by name only if not.
      const r = results[i]?.name === this.names[i] ? results[i]! : results.find((e) => e.name === this.names[i])!;
      if (r.pass) continue;
      this.failing[i]!.push(client.key);
      this.first[i] ??= r;
    }
  }

  result(): Pick<Report, 'expectations' | 'verdict'> {
    if (!this.expect || Object.keys(this.expect).length === 0) return { expectations: [], verdict: 'none' };
    const n = this.clients;
    const expectations = this.names.map((name, i) => {
      if (n === 0) return { name, pass: false, evidence: 'no client connected', failing: [] };
      const failing = this.failing[i]!;
      const first = this.first[i]!;
      return { name, pass: failing.length === 0, evidence: first === null ? `${n} client(s) pass` : `${failing.length} of ${n} client(s) fail: ${first.evidence}`, failing };
    });
    return { expectations, verdict: expectations.every((e) => e.pass) ? 'pass' : 'fail' };
  }
}
