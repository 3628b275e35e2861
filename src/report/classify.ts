import type { Backoff } from './schema.js';

/**
 * Backoff classification of one client's waits (SPEC §11; research notes B.3): `insufficient`
 * below 3 waits, `immediate` (median < 100 ms, max < 250 ms), then the growth per retry G from a
 * least-squares fit of ln(wait) against the retry index (robust to ±50 % jitter where a median
 * of ratios is not), a plateau at the end after growth as `capped at C`, |ln G| < ln 1.1 as
 * `fixed ~X`, a good exponential fit as `exponential ×G`, anything else as `table`.
 */
export function classify(waits: readonly number[]): Backoff {
  const raw = [...waits];
  if (raw.length < 3) return { class: 'insufficient', label: `insufficient (${raw.length} wait${raw.length === 1 ? '' : 's'})`, waits: raw };
  const med = median(raw);
  if (med < 100 && Math.max(...raw) < 250) return { class: 'immediate', label: 'immediate', waits: raw, medianMs: round(med) };
  const plateau = plateauStart(raw);
  const growing = plateau === null ? raw : raw.slice(0, plateau + 1);
  const { factor } = fit(growing);
  if (plateau !== null && plateau >= 2 && factor >= 1.1) {
    const cap = median(raw.slice(plateau));
    return { class: 'capped', label: `capped at ${round(cap)} ms (×${fmt(factor)} before)`, waits: raw, factor: fmt(factor), capMs: round(cap), medianMs: round(med) };
  }
  const all = fit(raw);
  if (Math.abs(Math.log(all.factor)) < Math.log(1.1)) return { class: 'fixed', label: `fixed ~${round(med)} ms`, waits: raw, fixedMs: round(med), factor: fmt(all.factor), medianMs: round(med) };
  if (all.factor >= 1.1 && (all.r2 >= 0.9 || (all.r2 >= 0.8 && ratioSpread(raw) < 20))) return { class: 'exponential', label: `exponential ×${fmt(all.factor)}`, waits: raw, factor: fmt(all.factor), medianMs: round(med) };
  return { class: 'table', label: `table ${raw.map(round).join(', ')} ms`, waits: raw, factor: fmt(all.factor), medianMs: round(med) };
}

/** Index where the last ≥ 2 waits within ±10 % of their median begin, after at least two growing waits; null when none. */
function plateauStart(waits: readonly number[]): number | null {
  let start: number | null = null;
  for (let i = waits.length - 2; i >= 2; i--) {
    const tail = waits.slice(i);
    const m = median(tail);
    if (tail.every((w) => Math.abs(w - m) <= 0.1 * m)) start = i;
    else break;
  }
  if (start === null) return null;
  // Growth before the plateau: otherwise the whole schedule is simply fixed.
  return waits[start]! > 1.2 * Math.max(waits[0]!, 10) ? start : null;
}

/** Least squares of ln(max(w, 10)) on the index: G = e^slope, and the fit's R². */
function fit(waits: readonly number[]): { factor: number; r2: number } {
  const n = waits.length;
  if (n < 2) return { factor: 1, r2: 0 };
  const ys = waits.map((w) => Math.log(Math.max(w, 10)));
  const mx = (n - 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - mx) * (ys[i]! - my);
    sxx += (i - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  return { factor: Math.exp(slope), r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Largest over smallest step ratio: ±50 % jitter stays under 9, a hand-written table (0, 2 s, 10 s, 30 s) does not. */
function ratioSpread(waits: readonly number[]): number {
  const ratios = waits.slice(1).map((w, i) => Math.max(w, 10) / Math.max(waits[i]!, 10));
  return Math.max(...ratios) / Math.min(...ratios);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0–1), linear between ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

const round = (n: number) => Math.round(n);
const fmt = (g: number) => Math.round(g * 100) / 100;
