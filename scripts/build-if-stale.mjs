// `npm start` builds first only when dist/ is missing or older than a source file, so starting
// on a fresh clone works, and starting beside a running test suite never rewrites the dist/
// files its other tests are loading.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'scenarios')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  // As `npm run build`: validators and built-in scenarios made from what tsc just wrote, then
  // the entry points bundled.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-artifacts.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { stdio: 'inherit' });
}
