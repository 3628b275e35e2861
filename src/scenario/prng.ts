/**
 * Seeded randomness. sfc32 (Chris Doty-Humphrey's Small Fast Counter, 32-bit) is small, fast
 * and passes PractRand well past what a test run draws. Each (seed, connection, fault) gets its
 * own stream, derived by hashing, so one connection's decisions do not depend on how many other
 * connections exist or in which order they arrived.
 */
export type Random = () => number;

export function sfc32(a: number, b: number, c: number, d: number): Random {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * cyrb128: a 128-bit string hash, used only to seed sfc32 from text. It hashes `parts` joined
 * by U+0000 without building the joined string: a switch with apply=all seeds streams for
 * thousands of connections at once, and the strings were most of what that allocated.
 */
function cyrb128(parts: readonly string[]): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let p = 0; p < parts.length; p++) {
    const text = parts[p]!;
    // The separator before every part but the first, then the part's UTF-16 code units.
    for (let i = p === 0 ? 0 : -1; i < text.length; i++) {
      const k = i < 0 ? 0 : text.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** The stream of `${seed}\0${names.join('\0')}`, its first outputs discarded (sfc32 mixes its state in the first few rounds). */
function seeded(seed: number, names: readonly string[]): Random {
  const random = sfc32(...cyrb128([String(seed), ...(names.length > 0 ? names : [''])]));
  for (let i = 0; i < 12; i++) random();
  return random;
}

/**
 * A stream for one purpose: `streamFor(seed, 'c-17', 'drop-messages-1')`. Seeded at its first
 * draw: most streams a connection is given (one per fault, more per direction) are never drawn
 * from, and a switch with apply=all gives them to every open connection at once.
 */
export function streamFor(seed: number, ...names: string[]): Random {
  let random: Random | null = null;
  return () => (random ??= seeded(seed, names))();
}

/** A seed for runs where none was given (printed, so the run can be repeated). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
