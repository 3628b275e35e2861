import { classify } from './classify.js';
import type { ReportAttempt, ReportClient, Recovery } from './schema.js';

/** The per-client part of the report, before expectations: timeline, waits, backoff, give-up, recovery. */
export interface ClientFacts extends Omit<ReportClient, 'expectations'> {
  /** The waits of the longest run of retries (what was classified). */
  runWaits: number[];
}

/** Each loss: when, and the first wait after it (null when none followed); worked out only for `reconnect.within`. */
export function lossesOf(attempts: readonly ReportAttempt[]): { at: number; next: number | null }[] {
  return attempts.filter(lost).map((a) => {
    const next = attempts[a.id];
    return { at: a.end!, next: next ? next.start - a.end! : null };
  });
}

const lost = (a: ReportAttempt) => a.end !== null && a.outcome !== 'http' && (a.outcome !== 'upgraded' || a.closedBy !== 'client' || a.faults.length > 0);

/** One pass over a client's logical attempts: waits, the longest run of retries, give-up and recovery. */
export function clientFacts(key: string, keyedBy: string, attempts: ReportAttempt[], now: number): ClientFacts {
  const waits: number[] = [];
  // Runs of retries are contiguous stretches of `waits`: a connection that was up starts a new
  // run (clients reset their backoff on success); the first longest run is the one classified.
  let runFrom = 0;
  let bestFrom = 0;
  let bestLength = 0;
  for (let i = 1; i < attempts.length; i++) {
    const prev = attempts[i - 1]!;
    if (prev.end === null) continue;
    if (prev.outcome === 'upgraded' || waits.length === 0) runFrom = waits.length;
    waits.push(Math.max(0, attempts[i]!.start - prev.end));
    if (waits.length - runFrom > bestLength) {
      bestFrom = runFrom;
      bestLength = waits.length - runFrom;
    }
  }
  const runWaits = waits.slice(bestFrom, bestFrom + bestLength);
  return { key, keyedBy, attempts, waits, backoff: classify(runWaits), gaveUp: gaveUp(attempts, waits, now), recovery: recoveries(attempts), runWaits };
}

/** SPEC §11: no attempt followed within max(3 × last wait, last wait + 30 s) before now. */
function gaveUp(attempts: ReportAttempt[], waits: number[], now: number): ReportClient['gaveUp'] {
  const last = attempts[attempts.length - 1];
  if (!last || last.end === null || !lost(last)) return null;
  const lastWait = waits[waits.length - 1] ?? 0;
  if (now - last.end <= Math.max(3 * lastWait, lastWait + 30_000)) return null;
  let n = 0;
  for (let i = attempts.length - 1; i >= 0 && (i === attempts.length - 1 || attempts[i]!.outcome !== 'upgraded'); i--) n++;
  return { after: n };
}

/** From each connection a fault ended (or the first failure after an upgrade) to the next 101 and the next client message. */
function recoveries(attempts: ReportAttempt[]): Recovery[] {
  const out: Recovery[] = [];
  let open: Recovery | null = null;
  for (const a of attempts) {
    if (open && a.start >= open.at) {
      if (open.upgradeAfter === null && a.upgradedAt !== undefined) open.upgradeAfter = a.upgradedAt - open.at;
      if (open.messageAfter === null && a.firstMessageAt !== undefined && a.upgradedAt !== undefined) open.messageAfter = a.firstMessageAt - open.at;
      if (open.messageAfter !== null) open = null;
    }
    if (a.end !== null && lost(a) && (a.faults.length > 0 || a.outcome === 'upgraded') && (!open || open.upgradeAfter !== null)) {
      open = { fault: a.faults[a.faults.length - 1] ?? `closed by ${a.closedBy ?? 'peer'}`, at: a.end, upgradeAfter: null, messageAfter: null };
      out.push(open);
    }
  }
  return out;
}
