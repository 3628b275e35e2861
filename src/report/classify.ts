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
  if (med < 100 && maxOf(raw) < 250) return { class: 'immediate', label: 'immediate', waits: raw, medianMs: round(med) };
  const plateau = plateauStart(raw);
  const { factor } = fit(raw, plateau === null ? raw.length : plateau + 1);
  if (plateau !== null && plateau >= 2 && factor >= 1.1 && isCap(raw, plateau)) {
    const cap = medianOf(raw, plateau, raw.length);
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
    const m = medianOf(waits, i, waits.length);
    let flat = true;
    for (let j = i; j < waits.length && flat; j++) flat = Math.abs(waits[j]! - m) <= 0.1 * m;
    if (flat) start = i;
    else break;
  }
  if (start === null) return null;
  // Growth before the plateau: otherwise the whole schedule is simply fixed.
  return waits[start]! > 1.2 * Math.max(waits[0]!, 10) ? start : null;
}

/**
 * Whether a plateau after growth is a cap rather than jitter. Two waits of a jittered schedule
 * land within ±10 % of each other often enough (one socket.io client in eight, ±50 % and ×2)
 * that two flat waits prove a cap only after regular growth: the residual sd (in ln) of the
 * waits before the plateau at most 0.03, which timer noise of a few ms keeps and a randomised
 * schedule breaks (with two waits before it the sd is unknown, and taken as regular). Three or
 * more flat waits are a cap whatever came before.
 */
function isCap(waits: readonly number[], start: number): boolean {
  return waits.length - start >= 3 || fit(waits, start).noise <= 0.03;
}

/** Least squares of ln(max(w, 10)) on the index: G = e^slope, the fit's R², and its residual sd (ln). */
function fit(waits: readonly number[], n = waits.length): { factor: number; r2: number; noise: number } {
  if (n < 2) return { factor: 1, r2: 0, noise: 0 };
  const mx = (n - 1) / 2;
  let my = 0;
  for (let i = 0; i < n; i++) my += Math.log(Math.max(waits[i]!, 10));
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const y = Math.log(Math.max(waits[i]!, 10)) - my;
    sxy += (i - mx) * y;
    sxx += (i - mx) ** 2;
    syy += y * y;
  }
  const slope = sxy / sxx;
  const residual = Math.max(0, syy - slope * sxy);
  return { factor: Math.exp(slope), r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), noise: n > 2 ? Math.sqrt(residual / (n - 2)) : 0 };
}

/** Largest over smallest step ratio: ±50 % jitter stays under 9, a hand-written table (0, 2 s, 10 s, 30 s) does not. */
function ratioSpread(waits: readonly number[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 1; i < waits.length; i++) {
    const r = Math.max(waits[i]!, 10) / Math.max(waits[i - 1]!, 10);
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  return hi / lo;
}

export function median(values: readonly number[]): number {
  return medianOf(values, 0, values.length);
}

/** One scratch for every median: the report takes thousands of them and none needs to allocate. */
let scratch = new Float64Array(64);

/** Median of values[from, to): sorted in the scratch (insertion sort for the short lists of one client). */
function medianOf(values: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return 0;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const s = scratch;
  if (n <= 32) {
    for (let i = 0; i < n; i++) {
      const v = values[from + i]!;
      let j = i - 1;
      while (j >= 0 && s[j]! > v) {
        s[j + 1] = s[j]!;
        j--;
      }
      s[j + 1] = v;
    }
  } else {
    for (let i = 0; i < n; i++) s[i] = values[from + i]!;
    s.subarray(0, n).sort();
  }
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
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
function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}
const fmt = (g: number) => Math.round(g * 100) / 100;
