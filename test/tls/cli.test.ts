import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const cli = cliRunner();
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

describe('wsfault ca and --tls from the command line', () => {
  it('wsfault ca --path, --pem and --spki describe one CA, created on first use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-cli-ca-'));
    const path = cli.run(['ca', '--path', '--tls-ca-dir', dir]);
    expect((await path.exited).code).toBe(0);
    expect(path.stdout().trim()).toBe(join(dir, 'ca.pem'));
    const pem = cli.run(['ca', '--pem', '--tls-ca-dir', dir]);
    expect((await pem.exited).code).toBe(0);
    expect(pem.stdout()).toBe(readFileSync(join(dir, 'ca.pem'), 'utf8'));
    expect(new X509Certificate(pem.stdout()).ca).toBe(true);
    const spki = cli.run(['ca', '--spki', '--tls-ca-dir', dir]);
    expect((await spki.exited).code).toBe(0);
    expect(spki.stdout().trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('--tls: the banner shows ws:// and wss:// and the CA; GET /tls/ca.pem and /tls/ca.spki serve it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-cli-ca-'));
    const echo = await startWsEcho();
    const p = cli.run(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--tls', '--tls-ca-dir', dir]);
    const [, url, secure] = await p.waitFor(/proxy\s+(ws:\/\/127\.0\.0\.1:\d+) and (wss:\/\/127\.0\.0\.1:\d+)\s+->/);
    expect(p.stdout()).toContain(`test CA   ${join(dir, 'ca.pem')}`);
    const [, api] = await p.waitFor(/control\s+(http:\/\/\S+)/);
    const pem = await fetch(`${api}/tls/ca.pem`);
    expect(pem.headers.get('content-type')).toMatch(/x-pem-file/);
    const caPem = await pem.text();
    expect(caPem).toBe(readFileSync(join(dir, 'ca.pem'), 'utf8'));
    expect((await (await fetch(`${api}/tls/ca.spki`)).text()).trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const ws = await openClient(secure!.replace('127.0.0.1', 'localhost'), undefined, { ca: caPem });
    expect((await roundTrip(ws, 'cli tls')).data.toString()).toBe('cli tls');
    ws.close();
    const plain = await openClient(url!);
    expect((await roundTrip(plain, 'cli plain')).data.toString()).toBe('cli plain');
    plain.close();
  });

  it('GET /tls/ca.pem is 404 without --tls', async () => {
    const p = cli.run(['--listen', '127.0.0.1:0', '--api', '127.0.0.1:0']);
    const [, api] = await p.waitFor(/control\s+(http:\/\/\S+)/);
    const res = await fetch(`${api}/tls/ca.pem`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/--tls/);
  });

  it('--tls-cert without --tls-key is a usage error', async () => {
    const p = cli.run(['--listen', '127.0.0.1:0', '--api', 'off', '--tls-cert', '/nonexistent.pem']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toMatch(/--tls-cert and --tls-key go together/);
  });
});

describe('wsfault validate and TLS faults', () => {
  it('a path match on a TLS fault is an error at its line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-tls-validate-'));
    const file = join(dir, 'bad.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, ['name: bad-tls', 'faults:', '  - type: tls-cert', '    problem: expired', '    match:', '      path: /ws', '      sni: "*.test"', ''].join('\n'));
    const p = cli.run(['validate', file]);
    expect((await p.exited).code).toBe(2);
    expect(p.stdout() + p.stderr()).toMatch(new RegExp(`${file.replace(/[/.]/g, '\\$&')}:6:\\d+ +faults\\[0\\]\\.match\\.path: a tls fault is decided before any HTTP is seen: match only on sni, client, listener or connections, not path`));
  });
});
