import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { clientsDoc, type Round1Row, type Round2Row } from './clients-doc.js';
import { RESULTS_DIR } from './results.js';
import { writeTlsOutcomes } from './tls-doc.js';

/**
 * Global setup of the client suite: the test files leave their rows in RESULTS_DIR; with
 * WSFAULT_WRITE_DOCS=1 (`npm run docs:clients`) the teardown writes docs/clients.md from them.
 */
export function setup(): void {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  if (process.env.WSFAULT_WRITE_DOCS !== '1') return;
  // docs/tls.md's table, from tls-matrix.test.ts (it may run alone).
  writeTlsOutcomes(`${RESULTS_DIR}/tls.json`);
  const read = <T>(name: string): T | null => (existsSync(`${RESULTS_DIR}/${name}`) ? (JSON.parse(readFileSync(`${RESULTS_DIR}/${name}`, 'utf8')) as T) : null);
  const round1 = read<Round1Row[]>('round1.json');
  const round2 = read<Round2Row[]>('round2.json');
  if (!round1 || !round2) {
    console.warn('docs/clients.md not written: run the whole client suite (npm run docs:clients)');
    return;
  }
  writeFileSync('docs/clients.md', clientsDoc(round1, round2));
}
