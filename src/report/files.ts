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

/** Writes bytes that come in chunks (the report's JSON) to a file, chunk after chunk. */
export function writeChunks(file: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w');
  try {
    for (const chunk of chunks) for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
  } finally {
    closeSync(fd);
  }
}

/** SPEC §1 exit codes: 3 when the run ended and an `expect:` failed, else 0. */
export const exitCodeOf = (report: Report): number => (report.verdict === 'fail' ? 3 : 0);
