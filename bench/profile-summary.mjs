// Summarises V8 profiles for docs/PERFORMANCE.md.
//   node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--total]
//       self time by function and by package (node_modules/<pkg>, wsfault dist/<dir>, node internals),
//       and with --total the inclusive time of the top functions
//   node bench/profile-summary.mjs FILE.heapsnapshot [BASELINE.heapsnapshot] [--top N]
//       self size by constructor (and the growth over BASELINE)
// Profiles come from the bench's --wsfault-node-args, e.g.
//   node bench/run.mjs --quick --only "wsfault passthrough" --workloads stream --wsfault-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const topIndex = args.indexOf('--top');
const TOP = topIndex >= 0 ? Number(args[topIndex + 1]) : 20;
const pct = (x, total) => ((100 * x) / total).toFixed(1).padStart(5) + ' %';

function where(url) {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const dist = /\/dist\/([^/]+)(\/|\.js)/.exec(url);
  if (dist) return `wsfault ${dist[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

function cpu(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  for (const [id, t] of dt) {
    self.set(id, t);
    total += t;
  }
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  const byFn = new Map();
  const byPkg = new Map();
  const inclusive = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    byFn.set(fnKey(n), (byFn.get(fnKey(n)) ?? 0) + t);
    const pk = ['(idle)', '(program)', '(garbage collector)', '(root)'].includes(n.callFrame.functionName) ? n.callFrame.functionName : where(n.callFrame.url);
    byPkg.set(pk, (byPkg.get(pk) ?? 0) + t);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = fnKey(byId.get(cur));
      if (!seen.has(k)) (seen.add(k), inclusive.set(k, (inclusive.get(k) ?? 0) + t));
    }
  }
  const busy = total - (byPkg.get('(idle)') ?? 0);
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${pct(busy, total)} busy (percentages below are of all samples)`);
  console.log('\nself time by package:');
  for (const [k, t] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t, total)}  ${k}`);
  console.log('\nself time by function:');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t, total)}  ${k}`);
  if (args.includes('--total')) {
    console.log('\ninclusive time by function:');
    for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t, total)}  ${k}`);
  }
}

function heapBy(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const by = new Map();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const type = types[s.nodes[i + iType]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${s.strings[s.nodes[i + iName]]}${type === 'closure' ? ' (closure)' : ''}` : `(${type})`;
    const size = s.nodes[i + iSize];
    const e = by.get(name) ?? { size: 0, count: 0 };
    e.size += size;
    e.count++;
    by.set(name, e);
    total += size;
  }
  return { by, total };
}

function heap(file, baseline) {
  const now = heapBy(file);
  const mb = (b) => (b / 2 ** 20).toFixed(2).padStart(7) + ' MiB';
  if (!baseline) {
    console.log(`${file}: ${mb(now.total)} in the heap snapshot`);
    for (const [k, e] of [...now.by].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) console.log(`  ${mb(e.size)}  ${String(e.count).padStart(8)}  ${k}`);
    return;
  }
  const base = heapBy(baseline);
  console.log(`${file} over ${baseline}: ${mb(now.total - base.total)} more (${mb(base.total)} → ${mb(now.total)})`);
  const rows = [...now.by].map(([k, e]) => [k, e.size - (base.by.get(k)?.size ?? 0), e.count - (base.by.get(k)?.count ?? 0)]);
  for (const [k, d, c] of rows.sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${mb(d)}  ${String(c).padStart(8)}  ${k}`);
}

if (files[0]?.endsWith('.heapsnapshot')) heap(files[0], files[1]);
else cpu(files[0]);
