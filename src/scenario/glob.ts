/**
 * Globs for `match` (SPEC §3): `*` matches within one path segment, `**` across segments, `?`
 * one character. For header and query values `*` matches anything (they have no segments).
 */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string, segmented: boolean): RegExp {
  const key = `${segmented ? 'p' : 'v'}${glob}`;
  let re = cache.get(key);
  if (re) return re;
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      // `/**/` also matches a single `/` (zero segments).
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (ch === '*') {
      source += segmented ? '[^/]*' : '.*';
    } else if (ch === '?') {
      source += segmented ? '[^/]' : '.';
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  re = new RegExp(`^${source}$`, segmented ? '' : 'i');
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

export function globMatch(glob: string, value: string, segmented = true): boolean {
  return globToRegExp(glob, segmented).test(value);
}
