// Writes schema/scenario.schema.json and schema/report.schema.json from the TypeBox source (run
// `npm run build` first; `npm run schema` does both). A test checks the committed files match.
import { writeFileSync } from 'node:fs';
import { publishedReportSchema } from '../dist/report/schema.js';
import { publishedScenarioSchema } from '../dist/scenario/schema.js';

for (const [name, schema] of [
  ['scenario.schema.json', publishedScenarioSchema()],
  ['report.schema.json', publishedReportSchema()],
]) {
  const file = new URL(`../schema/${name}`, import.meta.url);
  writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote ${file.pathname}`);
}
