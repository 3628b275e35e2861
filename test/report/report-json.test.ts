import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { AttemptLog, newAttempt } from '../../src/report/attempt-log.js';
import { releaseChunks } from '../../src/report/chunks.js';
import { buildReport } from '../../src/report/build.js';
import { parseClientKey } from '../../src/report/identity.js';
import { reportJson } from '../../src/report/report-json.js';
import { publishedReportSchema } from '../../src/report/schema.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { variedLog } from './varied-logs.js';

const bytes = (r: { chunks: Buffer[] }) => Buffer.concat(r.chunks);

describe('the report JSON written from the attempt log (GET /report, --report FILE.json)', () => {
  it('is byte for byte JSON.stringify of the object report, compact and indented, on 120 varied logs', () => {
    let merged = 0;
    let herds = 0;
    let escaped = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const { log, options } = variedLog(seed);
      const report = buildReport(log, options);
      const compact = reportJson(log, options);
      const want = Buffer.from(JSON.stringify(report));
      expect(bytes(compact).equals(want), `seed ${seed}: ${bytes(compact).toString()} ≠ ${want.toString()}`).toBe(true);
      expect(compact.length).toBe(want.length);
      expect(compact.verdict).toBe(report.verdict);
      const indented = bytes(reportJson(log, options, 2, '\n')).toString('utf8');
      expect(indented, `seed ${seed}`).toBe(JSON.stringify(report, null, 2) + '\n');
      merged += report.clients.flatMap((c) => c.attempts).filter((a) => a.conns.length > 1).length;
      herds += report.fleet.herd.verdict === 'insufficient' ? 0 : 1;
      escaped += /\\u|\\"|\\\\|[^\x00-\x7f]/.test(want.toString('utf8')) ? 1 : 0;
    }
    // The logs do hold what the comparison is for: merged attempts, herds, strings JSON escapes.
    expect(merged).toBeGreaterThan(100);
    expect(herds).toBeGreaterThan(10);
    expect(escaped).toBeGreaterThan(10);
  });

  it('spans chunks byte for byte and validates against schema/report.schema.json', () => {
    const { log, options } = spanningLog();
    const out = reportJson(log, options);
    expect(out.chunks.length).toBeGreaterThan(1);
    expect(bytes(out).equals(Buffer.from(JSON.stringify(buildReport(log, options))))).toBe(true);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(publishedReportSchema());
    expect(validate(JSON.parse(bytes(out).toString('utf8'))), JSON.stringify(validate.errors)).toBe(true);
    // Chunks given back are written into by the next report, which comes out whole all the same.
    const used = new Set(out.chunks.map((c) => c.buffer));
    releaseChunks(out.chunks);
    const again = reportJson(log, { ...options, now: 3_000_000 });
    expect(again.chunks.some((c) => used.has(c.buffer))).toBe(true);
    expect(bytes(again).equals(Buffer.from(JSON.stringify(buildReport(log, { ...options, now: 3_000_000 }))))).toBe(true);
  });

  it('hands the same bytes to a sink chunk by chunk, writing each chunk again once handed over (--report FILE.json)', () => {
    const { log, options } = spanningLog();
    const report = buildReport(log, options);
    const want = Buffer.from(JSON.stringify(report, null, 2) + '\n');
    const got: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    const out = reportJson(log, options, 2, '\n', (chunk) => {
      got.push(Buffer.from(chunk)); // a copy: the writer writes the next chunk into the same memory
      memory.add(chunk.buffer);
    });
    expect(got.length).toBeGreaterThan(3);
    expect(Buffer.concat(got).equals(want)).toBe(true);
    expect(out.chunks).toEqual([]);
    expect(out.length).toBe(want.length);
    expect(out.verdict).toBe(report.verdict);
    // One chunk of memory for the whole report, however many chunks went out.
    expect(memory.size).toBe(1);
  });
});

/** 400 clients × 20 attempts: a report of several 1 MiB chunks. */
function spanningLog() {
  const specs = parseClientKey('query:client');
  const log = new AttemptLog(specs, 20_000);
  for (let k = 0, t = 1_000_000; k < 20; k++, t += 1000) {
    for (let c = 0; c < 400; c++) {
      const fields = { key: `client-${c}`, keyedBy: 'query:client', method: 'GET', path: '/', end: t + c + 5, status: k === 19 ? 101 : 503, ...(k === 19 ? { upgradedAt: t + c + 3 } : {}), how: 'fin', closedBy: 'client', faults: k === 19 ? [] : ['status'] } as const;
      log.add(newAttempt(`c${c}-${k}`, 'default', '127.0.0.1', t + c, { ...fields, faults: [...fields.faults] }));
    }
  }
  return { log, options: { specs, mergeWindowMs: 100, expect: { minWaitMs: 50, maxAttempts: 25, jitter: true, herd: false }, now: 2_000_000 } };
}

const running: RunningWsfault[] = [];
afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
});

describe('GET /report and --report FILE.json send those bytes', () => {
  it('serve the same report as the objects, over HTTP (one chunk and many) and in a file', async () => {
    const w = await createWsfault({ listen: '127.0.0.1:0', api: '127.0.0.1:0', report: { clientKey: 'query:client' } });
    running.push(w);
    const bus = w.app.bus;
    // Attempts as the proxy reports them on the events bus: open, request head, answer, close.
    const connect = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const conn = `t-${i}`;
        bus.emit('default', 'connection.open', { conn, client: { address: '127.0.0.1', port: 40_000 } });
        bus.request('default', conn, { method: 'GET', path: '/', query: `client=c${i % 50}`, headers: [['Host', 'x']], upgrade: true });
        bus.emit('default', 'handshake', { conn, path: '/', subprotocols: [], status: 503, faults: [] });
        bus.emit('default', 'connection.close', { conn, by: 'proxy', how: 'fin', durationMs: 1, bytes: { up: 1, down: 1 }, messages: { up: 0, down: 0 } });
      }
    };
    const same = (body: string) => {
      const objects = w.reporter.report();
      const parsed = JSON.parse(body);
      expect(parsed.generatedAt).toBeLessThanOrEqual(objects.generatedAt);
      expect({ ...parsed, generatedAt: 0 }).toEqual(JSON.parse(JSON.stringify({ ...objects, generatedAt: 0 })));
    };
    connect(0, 100);
    const small = await fetch(`${w.apiUrl}/report`);
    expect(small.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const smallBody = await small.text();
    expect(Number(small.headers.get('content-length'))).toBe(Buffer.byteLength(smallBody));
    same(smallBody);
    connect(100, 6_000);
    const large = await fetch(`${w.apiUrl}/report`);
    const largeBody = await large.text();
    expect(Buffer.byteLength(largeBody)).toBeGreaterThan(1 << 20); // more than one chunk
    expect(Number(large.headers.get('content-length'))).toBe(Buffer.byteLength(largeBody));
    same(largeBody);
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-report-json-')), 'report.json');
    expect(w.reporter.writeFile(file)).toBe('none');
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "version": 1,');
    same(text);
  });
});
