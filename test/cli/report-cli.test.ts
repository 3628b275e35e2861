import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cliRunner } from '../helpers/cli.js';

const cli = cliRunner();
afterEach(() => cli.killAll());
const dir = mkdtempSync(join(tmpdir(), 'wsfault-report-cli-'));

describe('wsfault run: report flags (SPEC §1, §11)', () => {
  it.each([
    [['--client-key', 'body:x'], /--client-key "body:x" is not one of/],
    [['--report', 'out.txt'], /--report "out\.txt": the format comes from the extension/],
    [['--duration', 'soon'], /--duration "soon" is not a positive duration/],
    [['--merge-window', 'soon'], /--merge-window "soon" is not a duration/],
  ])('%j is a usage error (exit 2)', async (flags, message) => {
    const run = cli.run(['--listen', '127.0.0.1:0', '--api', 'off', ...flags]);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr()).toMatch(message);
  });

  it('report.clientKey from a config file keys clients; wsfault report prints Markdown, JSON and exits 3 on a failed expect:', async () => {
    const scenario = join(dir, 'strict.yaml');
    writeFileSync(scenario, 'name: strict\nfaults:\n  - type: status\n    code: 503\nexpect:\n  minWait: 1s\n');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `api: 127.0.0.1:0\nreport:\n  clientKey: [header:x-client, addr+ua]\nproxies:\n  - name: default\n    listen: 127.0.0.1:0\n    target: ws://127.0.0.1:9\n    scenario: ${scenario}\n`);
    const run = cli.run(['--config', config, '--log-level', 'warn']);
    const [, proxyPort] = await run.waitFor(/proxy\s+ws:\/\/127\.0\.0\.1:(\d+)/);
    const [, api] = await run.waitFor(/control\s+(http:\/\/127\.0\.0\.1:\d+)/);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/`, { headers: { 'x-client': 'seven' } });
        ws.on('error', resolve);
        ws.on('close', resolve);
      });
    }
    const md = cli.run(['report', '--api', api!]);
    expect((await md.exited).code).toBe(3);
    const json = cli.run(['report', '--api', api!, '--format', 'json']);
    await json.exited;
    const report = JSON.parse(json.stdout());
    // The class is what the proxy measured (the client retries at once, but a busy machine may
    // stretch a wait past `immediate`): the Markdown row says what the JSON says.
    expect(report.clients[0].backoff.label).toMatch(/^(immediate|fixed|table|exponential|insufficient|capped)/);
    expect(md.stdout()).toContain(`| seven | 4 | ${report.clients[0].backoff.label} |`);
    expect(report.clientKey.specs).toEqual(['header:x-client', 'addr+ua']);
    expect(report.clients[0].keyedBy).toBe('header:x-client');
    expect(report.verdict).toBe('fail');
  });

  it('--duration ends the run with exit 0 and writes --report as JSON when nothing was expected', async () => {
    const file = join(dir, 'out.json');
    const run = cli.run(['--listen', '127.0.0.1:0', '--api', 'off', '--duration', '500ms', '--report', file, '--log-level', 'warn']);
    expect((await run.exited).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, verdict: 'none', clients: [] });
  });
});
