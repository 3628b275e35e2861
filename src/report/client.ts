import { classify } from './classify.js';
import type { Merger } from './merge.js';
import type { ExpectationResult, ReportClient, Recovery } from './schema.js';

/**
 * The per-client part of the report: waits, backoff, give-up, recovery, and (once the fleet is
 * known) expectations. Its logical attempts stay in the merger's columns, [from, from + n): the
 * report's attempt rows are made from them only by whoever wants objects (build.ts) or written
 * straight to JSON (report-json.ts).
 */
export interface ClientFacts extends Omit<ReportClient, 'attempts'> {
  /** The merger that holds its logical attempts: the report's, or its book's own (settle.ts). */
  m: Merger;
  from: number;
  n: number;
  /** Its compact JSON as far as it does not depend on the report's moment, when its book has it (settle.ts). */
  compact: { head: Buffer; recovery: string; recoveryAscii: boolean } | null;
  /** Worked out ahead by its book, when it has one: its losses and its waits as evidence lists them. */
  losses?: Loss[];
  waitList?: WaitList;
  /** The waits of the longest run of retries (what was classified). */
  runWaits: number[];
}

export interface Loss {
  at: number;
  next: number | null;
}

/** The shortest wait and every wait rounded, as minWait's evidence lists them. */
export interface WaitList {
  shortest: number;
  list: string;
}

export function waitListOf(w: readonly number[]): WaitList {
  // One loop for the shortest wait and the list (10 000 clients a report: no spread, map or join).
  let shortest = Infinity;
  let list = '';
  for (let i = 0; i < w.length; i++) {
    if (w[i]! < shortest) shortest = w[i]!;
    list += i === 0 ? `${Math.round(w[i]!)}` : `, ${Math.round(w[i]!)}`;
  }
  return { shortest, list };
}

/** Each loss: when, and the first wait after it (null when none followed); worked out only for `reconnect.within`. */
export function lossesOf(m: Merger, client: Pick<ClientFacts, 'from' | 'n'>): Loss[] {
  const out: Loss[] = [];
  const to = client.from + client.n;
  for (let l = client.from; l < to; l++) {
    if (!lost(m, l)) continue;
    const at = m.endOf(l)!;
    out.push({ at, next: l + 1 < to ? m.startOf(l + 1) - at : null });
  }
  return out;
}

function lost(m: Merger, l: number): boolean {
  if (m.endOf(l) === null) return false;
  const outcome = m.outcome[l]!;
  if (outcome === 'http') return false;
  if (outcome !== 'upgraded') return true;
  const f = m.facts(l);
  return f.closedBy !== 'client' || f.faults.length > 0;
}

/** A client's waits and the longest run of retries in them (what is classified, and what the fleet compares). */
export function waitsOf(m: Merger, from: number, n: number): { waits: number[]; runWaits: number[] } {
  const waits: number[] = [];
  // Runs of retries are contiguous stretches of `waits`: a connection that was up starts a new
  // run (clients reset their backoff on success); the first longest run is the one classified.
  let runFrom = 0;
  let bestFrom = 0;
  let bestLength = 0;
  for (let l = from + 1; l < from + n; l++) {
    const prevEnd = m.endOf(l - 1);
    if (prevEnd === null) continue;
    if (m.outcome[l - 1] === 'upgraded' || waits.length === 0) runFrom = waits.length;
    waits.push(Math.max(0, m.startOf(l) - prevEnd));
    if (waits.length - runFrom > bestLength) {
      bestFrom = runFrom;
      bestLength = waits.length - runFrom;
    }
  }
  return { waits, runWaits: waits.slice(bestFrom, bestFrom + bestLength) };
}

/**
 * A client's facts from its logical attempts [from, from + n): waits, backoff, give-up, recovery
 * (expectations come later). `worked`: its waits when the first pass already worked them out.
 */
export function clientFacts(m: Merger, key: string, keyedBy: string, from: number, n: number, now: number, worked = waitsOf(m, from, n)): ClientFacts {
  const { waits, runWaits } = worked;
  const expectations: ExpectationResult[] = [];
  return { key, keyedBy, m, from, n, compact: null, waits, backoff: classify(runWaits), gaveUp: gaveUpAt(quitOf(m, from, n, waits), now), recovery: recoveries(m, from, n), expectations, runWaits };
}

/** What gaveUp weighs, none of it depending on the moment (a book works it out once, settle.ts). */
export interface Quit {
  /** When the last attempt, a loss, ended. */
  end: number;
  /** max(3 × last wait, last wait + 30 s): no attempt after `end` for longer than this is giving up. */
  limit: number;
  /** Attempts of the last run. */
  after: number;
}

/** The last attempt as gaveUp weighs it; null when it was no loss (or is open). */
export function quitOf(m: Merger, from: number, n: number, waits: number[]): Quit | null {
  if (n === 0) return null;
  const last = from + n - 1;
  const end = m.endOf(last);
  if (end === null || !lost(m, last)) return null;
  const lastWait = waits[waits.length - 1] ?? 0;
  let after = 0;
  for (let l = last; l >= from && (l === last || m.outcome[l] !== 'upgraded'); l--) after++;
  return { end, limit: Math.max(3 * lastWait, lastWait + 30_000), after };
}

/** SPEC §11: no attempt followed within max(3 × last wait, last wait + 30 s) before now. */
export function gaveUpAt(quit: Quit | null, now: number): ReportClient['gaveUp'] {
  return quit !== null && now - quit.end > quit.limit ? { after: quit.after } : null;
}

/** From each connection a fault ended (or the first failure after an upgrade) to the next 101 and the next client message. */
export function recoveries(m: Merger, from: number, n: number): Recovery[] {
  const out: Recovery[] = [];
  let open: Recovery | null = null;
  // An attempt's own fields (an Attempt somewhere in the heap) are read only when they decide
  // something: an upgrade (outcome upgraded: it has upgradedAt) while a loss is open, or a loss.
  for (let l = from; l < from + n; l++) {
    const upgraded = m.outcome[l] === 'upgraded';
    if (open && upgraded && m.startOf(l) >= open.at) {
      const a = m.facts(l);
      if (open.upgradeAfter === null) open.upgradeAfter = a.upgradedAt! - open.at;
      if (a.firstMessageAt !== undefined) {
        open.messageAfter = a.firstMessageAt - open.at;
        open = null;
      }
    }
    if (open && open.upgradeAfter === null) continue;
    const end = m.endOf(l);
    if (end === null || !lost(m, l)) continue;
    const a = m.facts(l);
    if (a.faults.length === 0 && !upgraded) continue;
    open = { fault: a.faults[a.faults.length - 1] ?? `closed by ${a.closedBy ?? 'peer'}`, at: end, upgradeAfter: null, messageAfter: null };
    out.push(open);
  }
  return out;
}
