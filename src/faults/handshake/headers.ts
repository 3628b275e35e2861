import type { HeaderField } from '../../protocol/http-head.js';

/**
 * Header edits the handshake faults share. Names compare case-insensitively; a header that
 * exists keeps its position and the case of its name, so a rewritten head differs from the
 * original only where the fault said.
 */
export function removeHeaders(headers: HeaderField[], names: readonly string[]): number {
  const lower = new Set(names.map((n) => n.toLowerCase()));
  let removed = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    if (lower.has(headers[i]![0].toLowerCase())) {
      headers.splice(i, 1);
      removed++;
    }
  }
  return removed;
}

/** Sets a header: the first one of that name gets the value, later duplicates go; else appended. */
export function setHeader(headers: HeaderField[], name: string, value: string): void {
  const lower = name.toLowerCase();
  const at = headers.findIndex(([n]) => n.toLowerCase() === lower);
  if (at === -1) {
    headers.push([name, value]);
    return;
  }
  headers[at] = [headers[at]![0], value];
  for (let i = headers.length - 1; i > at; i--) if (headers[i]![0].toLowerCase() === lower) headers.splice(i, 1);
}

/** Applies a `{ name: value | null }` map: null removes, a string sets. */
export function applyHeaderMap(headers: HeaderField[], map: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(map)) {
    if (value === null) removeHeaders(headers, [name]);
    else setHeader(headers, name, value);
  }
}

export function findHeader(headers: HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}
