import { createRequire } from 'node:module';
import type { Document, LineCounter, Node } from 'yaml';

/** Where a value sits in a YAML document, as 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** JSON-pointer segments (`/faults/1/code`) as a path people read: `faults[1].code`. */
export function displayPath(segments: (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out || '(top level)';
}

export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * The position of the value at `segments`, or of its key when `key` is set (an unknown key
 * is reported where the key is written). Falls back to the nearest parent that exists.
 */
export function positionOf(doc: Document, lines: LineCounter, segments: (string | number)[], key?: string): Position {
  // A document exists, so yaml is loaded already; required here to keep it out of start-up.
  const { isMap, isScalar, isSeq } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let node: Node | null | undefined = doc.contents as Node | null;
  let best: Node | null | undefined = node;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      node = pair?.value as Node | null | undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)] as Node | undefined;
    } else {
      node = undefined;
    }
    if (node) best = node;
    else break;
  }
  if (key !== undefined && isMap(best)) {
    const pair = best.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key) && pair.key.range) best = pair.key;
  }
  const offset = best?.range?.[0] ?? 0;
  return lines.linePos(offset);
}
