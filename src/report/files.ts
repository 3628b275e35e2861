import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './schema.js';

export type ReportFormat = 'json' | 'md' | 'junit';

/** `--report FILE`: the format by extension (.json, .md, .xml = JUnit); null for another one. */
export function formatOfFile(file: string): ReportFormat | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'md';
  if (lower.endsWith('.xml')) return 'junit';
  return null;
}

export function renderReport(report: Report, format: ReportFormat): string {
  if (format === 'md') return renderMarkdown(report);
  if (format === 'junit') return renderJunit(report);
  return JSON.stringify(report, null, 2) + '\n';
}

export function writeReport(report: Report, file: string): void {
  writeFileSync(file, renderReport(report, formatOfFile(file) ?? 'json'));
}

/**
 * Writes to a file bytes that come a chunk at a time (the report's JSON): `make` hands each chunk
 * to the sink, which writes it out before the next is made, so the chunk can be written into
 * again. Returns what `make` returns.
 */
export function writeStreamed<T>(file: string, make: (sink: (bytes: Uint8Array) => void) => T): T {
  const fd = openSync(file, 'w');
  try {
    return make((bytes) => {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    });
  } finally {
    closeSync(fd);
  }
}

/** SPEC §1 exit codes: 3 when the run ended and an `expect:` failed, else 0. */
export const exitCodeOf = (report: Report): number => (report.verdict === 'fail' ? 3 : 0);
