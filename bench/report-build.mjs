// One variant of the report's cost (bench/report.mjs runs it, one child process per variant and
// round, so no variant's heap or garbage weighs on another's): builds the attempt log of 10 000
// clients × 20 attempts, then times `--builds N` reports in a row, as a server makes them.
//   node bench/report-build.mjs --variant build|buildJson|json|file|fileJson|fileWrite|markdown|junit
//        [--builds N] [--dist DIR] [--integer-times] [--no-settle] [--profile FILE.cpuprofile]
//   prints JSON (null when DIR lacks it); --profile writes a CPU profile of the timed builds only
//   (not of making the log), for bench/profile-summary.mjs.
// fileWrite: `--report FILE.json` as the run command does it, into a file in the temp directory
// (builds that lack the streamed writer write their chunks after making them all, as they did).
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const variant = value('--variant', 'json');
const builds = Number(value('--builds', 5));
const dist = resolve(value('--dist', new URL('../dist', import.meta.url).pathname));
const load = async (file) => (existsSync(`${dist}/${file}`) ? import(pathToFileURL(`${dist}/${file}`).href) : null);
const { AttemptLog, newAttempt } = await load('report/attempt-log.js');
const { buildReport, verdictsOf } = await load('report/build.js');
const { parseClientKey } = await load('report/identity.js');
const { renderMarkdown } = await load('report/markdown.js');
const { renderJunit } = await load('report/junit.js');
const reportJson = (await load('report/report-json.js'))?.reportJson ?? null;
// Chunks given back once sent, as GET /report and --report do (absent before they were pooled).
const releaseChunks = (await load('report/chunks.js'))?.releaseChunks ?? (() => {});
const files = await load('report/files.js');
const tmpFile = join(tmpdir(), `wsfault-report-bench-${process.pid}.json`);
const writeFile = () => {
  if (files.writeStreamed) return files.writeStreamed(tmpFile, (sink) => reportJson(log, options, 2, '\n', sink).verdict);
  const out = reportJson(log, options, 2, '\n');
  files.writeChunks(tmpFile, out.chunks);
  releaseChunks(out.chunks);
  return out.verdict;
};
// Whole milliseconds, as the attempt log records them (Date.now()); by default times have a
// random fraction (the workload as first written), which costs more to print.
const whole = argv.includes('--integer-times') ? Math.round : (t) => t;

// Each client: 20 attempts, rejected 503 and retried with a doubling wait (±20 % from a fixed
// LCG, so every run builds the same log), the last one upgraded.
const specs = parseClientKey('query:client');
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const log = new AttemptLog(specs, 200_000);
const attempts = [];
for (let c = 0; c < 10_000; c++) {
  let t = whole(1_000_000 + rand() * 1000);
  for (let k = 0; k < 20; k++) {
    const last = k === 19;
    const fields = { key: `client-${c}`, keyedBy: 'query:client', method: 'GET', path: '/', end: t + 5, status: last ? 101 : 503, upgradedAt: last ? t + 3 : undefined, how: 'fin', closedBy: 'client', faults: last ? [] : ['status'] };
    attempts.push(newAttempt(`c${c}-${k}`, 'default', '127.0.0.1', t, fields));
    t += whole(5 + Math.min(60_000, 100 * 2 ** Math.min(k, 10)) * (0.8 + rand() * 0.4));
  }
}
attempts.sort((a, b) => a.start - b.start);
for (const a of attempts) log.add(a);

const options = { specs, mergeWindowMs: 100, expect: { minWaitMs: 50, maxAttempts: 25, jitter: true, herd: false }, now: 1e13 };
// Each client's own work (src/report/books.ts), which a running wsfault does in slices as its
// clients go quiet (Reporter's settler), off the data path: done here before the timed builds,
// and timed on its own. --no-settle leaves it to the first build, as a report asked for at the
// very moment every client changed would.
let settle = null;
if (log.books && !argv.includes('--no-settle')) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const books = log.books.settleQuiet(Infinity, options.mergeWindowMs);
  const used = process.cpuUsage(c0);
  settle = { books, wall: performance.now() - t0, cpu: (used.user + used.system) / 1000 };
}
// What a user waits for in each case: the objects (chaos.report()), the bytes of GET /report
// (before: objects + JSON.stringify; now: written from the log), the --report FILE.json text
// (indented), Markdown (made from the objects) and JUnit.
const variants = {
  build: () => buildReport(log, options),
  buildJson: () => JSON.stringify(buildReport(log, options)),
  json: reportJson && (() => reportJson(log, options)),
  file: () => JSON.stringify(buildReport(log, options), null, 2) + '\n',
  fileJson: reportJson && (() => reportJson(log, options, 2, '\n')),
  fileWrite: reportJson && files && (files.writeStreamed || files.writeChunks) ? writeFile : null,
  markdown: () => renderMarkdown(buildReport(log, options)),
  // --report junit.xml: without attempt rows where the build has verdictsOf, from the objects before.
  junit: () => renderJunit(verdictsOf ? verdictsOf(log, options) : buildReport(log, options)),
};
const run = variants[variant];
if (run === undefined) throw new Error(`--variant: one of ${Object.keys(variants).join(', ')}`);
const wall = [];
const cpu = [];
let out = null;
let bytes = null;
const profile = value('--profile', null);
const session = profile ? await startProfile() : null;
if (run) {
  for (let i = 0; i < builds; i++) {
    if (out?.chunks) releaseChunks(out.chunks);
    out = null; // as a server does: the last report is garbage before the next is made
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = run();
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
  }
  bytes = typeof out === 'string' ? Buffer.byteLength(out) : out.length ?? null;
  if (variant === 'fileWrite') {
    bytes = statSync(tmpFile).size;
    unlinkSync(tmpFile);
  }
}
if (session) await stopProfile(session, profile);
console.log(JSON.stringify({ variant, wall, cpu, bytes, settle }));

async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  return s;
}

async function stopProfile(s, file) {
  const { profile: p } = await s.post('Profiler.stop');
  (await import('node:fs')).writeFileSync(file, JSON.stringify(p));
  s.disconnect();
}
