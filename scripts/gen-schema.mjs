// Writes schema/scenario.schema.json from the TypeBox source (run `npm run build` first;
// `npm run schema` does both). A test checks the committed file matches the source.
import { writeFileSync } from 'node:fs';
import { publishedScenarioSchema } from '../dist/scenario/schema.js';

const file = new URL('../schema/scenario.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(publishedScenarioSchema(), null, 2) + '\n');
console.log(`wrote ${file.pathname}`);
