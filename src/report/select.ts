/**
 * The median of `values` as sorting them would give it (the middle one, or the mean of the two
 * middle ones), found by selection in O(n) rather than a sort: the fleet takes one per attempt
 * index over 10 000 clients. Reorders `values`.
 */
export function medianOf(values: Float64Array): number {
  const n = values.length;
  const upper = selectNth(values, n >> 1);
  if (n % 2 === 1) return upper;
  // Everything before position n/2 is ≤ it now: the lower middle is the largest of them.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Puts the k-th smallest at `k`, smaller-or-equal before it, greater-or-equal after (Hoare's selection). */
export function selectNth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or reversed columns stay linear.
    const mid = (lo + hi) >> 1;
    const pivot = median3(a[lo]!, a[mid]!, a[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

function median3(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}
