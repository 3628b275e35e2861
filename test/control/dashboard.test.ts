import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildControlApi } from '../../src/control/api.js';
import { DASHBOARD_DIR } from '../../src/control/routes/dashboard.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';

let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  await wsfault?.stop(200);
  wsfault = null;
});

async function api(token?: string) {
  wsfault = await createWsfault({ seed: 1, api: false });
  return buildControlApi(wsfault.app, token ? { token } : {});
}

describe('GET / (the dashboard, SPEC §13)', () => {
  it('serves the page, its script and its style with a strict Content-Security-Policy', async () => {
    const control = await api();
    const page = await control.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("style-src 'self'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    // Nothing inline for the policy to block: the script and the style are files.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
    expect((await control.inject({ url: '/dashboard/app.js' })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await control.inject({ url: '/dashboard/app.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await control.inject({ url: '/dashboard/../package.json' })).statusCode).toBe(404);
    await control.close();
  });

  it('with a token: the page loads without it (a browser cannot send one), every API route still needs it', async () => {
    const control = await api('s3cret');
    for (const url of ['/', '/dashboard/app.js', '/dashboard/app.css']) expect((await control.inject({ url })).statusCode, url).toBe(200);
    for (const url of ['/proxies', '/scenarios', '/version', '/faults', '/proxies/default/connections']) expect((await control.inject({ url })).statusCode, url).toBe(401);
    // Only GET and HEAD of the page's files are let through.
    expect((await control.inject({ method: 'POST', url: '/' })).statusCode).toBe(401);
    expect((await control.inject({ method: 'DELETE', url: '/proxies/default/connections' })).statusCode).toBe(401);
    await control.close();
  });

  it('keeps the origin rules: another site’s page cannot load it', async () => {
    const control = await api();
    const refused = await control.inject({ url: '/', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('WSFAULT_FORBIDDEN_ORIGIN');
    await control.close();
  });

  it('ships within 150 KB gzipped', () => {
    const files = readdirSync(DASHBOARD_DIR);
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(new URL(file, DASHBOARD_DIR))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });
});
