// Writes docs/faults.md from the fault registry, the examples and the notes below (run
// `npm run build` first; `npm run docs:faults` does both). A test checks the file is current.
import { writeFileSync } from 'node:fs';
import { faultsMarkdown } from '../dist/faults/doc.js';

const file = new URL('../docs/faults.md', import.meta.url);
writeFileSync(file, faultsMarkdown());
console.log(`wrote ${file.pathname}`);
