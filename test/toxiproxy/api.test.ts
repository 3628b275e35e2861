/**
 * Toxiproxy's REST API, endpoint by endpoint, compared field by field (and byte by byte where
 * Toxiproxy's answer is fixed) with what Toxiproxy 2.x's api.go sends.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningWsfault } from '../../src/wsfault.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip, closed } from '../helpers/ws-client.js';
import { call, startWithToxiproxy } from './helpers.js';

let wsfault: RunningWsfault;
let url: string;
let upstream: string;

beforeEach(async () => {
  ({ wsfault, url } = await startWithToxiproxy());
  upstream = `127.0.0.1:${(await startWsEcho()).port}`;
});
afterEach(async () => {
  await wsfault.stop(0);
  await closeAll();
});

const ERROR_TYPE = 'text/plain; charset=utf-8';

describe('proxies', () => {
  it('GET /version answers {"version": "…"} with a newline, as Toxiproxy does', async () => {
    const r = await call(url, 'GET', '/version');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json;charset=utf-8');
    expect(r.text).toMatch(/^\{"version": "2\.12\.0\+wsfault\.[^"]+"\}\n$/);
  });

  it('POST /proxies: 201 with name, listen (the real port), upstream, enabled, toxics, in that order', async () => {
    const r = await call(url, 'POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream });
    expect(r.status).toBe(201);
    expect(r.type).toBe('application/json');
    const body = r.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    expect(body).toMatchObject({ name: 'redis', upstream, enabled: true, toxics: [] });
    expect(body.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.listen).not.toBe('127.0.0.1:0');
    // An ordinary wsfault proxy: traffic flows, and the App lists it.
    const ws = await openClient(`ws://${body.listen as string}/`);
    expect((await roundTrip(ws, 'hi')).data.toString()).toBe('hi');
    ws.close();
    expect(wsfault.app.status('redis').target).toBe(`ws://${upstream}`);
  });

  it('localhost:0 is reported as 127.0.0.1 and an empty host as [::], as Go reports them', async () => {
    const a = await call(url, 'POST', '/proxies', { name: 'a', listen: 'localhost:0', upstream });
    expect((a.body as { listen: string }).listen).toMatch(/^127\.0\.0\.1:\d+$/);
    const b = await call(url, 'POST', '/proxies', { name: 'b', listen: ':0', upstream });
    expect((b.body as { listen: string }).listen).toMatch(/^\[::\]:\d+$|^0\.0\.0\.0:\d+$/);
  });

  it('400 for a missing name or upstream, 409 for a name that exists, with Toxiproxy’s error body', async () => {
    const noName = await call(url, 'POST', '/proxies', { listen: '127.0.0.1:0', upstream });
    expect([noName.status, noName.type, noName.text]).toEqual([400, ERROR_TYPE, '{"error":"missing required field: name","status":400}\n']);
    const noUpstream = await call(url, 'POST', '/proxies', { name: 'x', listen: '127.0.0.1:0' });
    expect(noUpstream.body).toEqual({ error: 'missing required field: upstream', status: 400 });
    await call(url, 'POST', '/proxies', { name: 'x', listen: '127.0.0.1:0', upstream });
    const again = await call(url, 'POST', '/proxies', { name: 'x', listen: '127.0.0.1:0', upstream });
    expect([again.status, again.text]).toEqual([409, '{"error":"proxy already exists","status":409}\n']);
    const bad = await call(url, 'POST', '/proxies', '{not json');
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/^bad request body: /);
    const empty = await call(url, 'POST', '/proxies', '');
    expect(empty.body).toEqual({ error: 'bad request body: EOF', status: 400 });
    const wrongType = await call(url, 'POST', '/proxies', { name: 5, upstream });
    expect(wrongType.body).toEqual({ error: 'bad request body: json: cannot unmarshal number 5 into Go struct field Proxy.name of type string', status: 400 });
  });

  it('a port in use is a 500 with Go’s message', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const r = await call(url, 'POST', '/proxies', { name: 'busy', listen: `127.0.0.1:${port}`, upstream });
    taken.close();
    expect(r.body).toEqual({ error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500 });
  });

  it('GET /proxies is a map by name; GET /proxies/{name} one proxy; 404 for another', async () => {
    const created = (await call(url, 'POST', '/proxies', { name: 'one', listen: '127.0.0.1:0', upstream })).body;
    const all = await call(url, 'GET', '/proxies');
    expect(all.status).toBe(200);
    // `default` is wsfault's own proxy: every wsfault proxy is a Toxiproxy proxy too.
    expect(Object.keys(all.body as object).sort()).toEqual(['default', 'one']);
    expect((all.body as Record<string, unknown>).one).toEqual(created);
    expect((await call(url, 'GET', '/proxies/one')).body).toEqual(created);
    const missing = await call(url, 'GET', '/proxies/nope');
    expect([missing.status, missing.type, missing.text]).toEqual([404, ERROR_TYPE, '{"error":"proxy not found","status":404}\n']);
  });

  it('enabled:false closes open connections and refuses new ones; enabled:true listens again on the same port', async () => {
    const p = (await call(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream })).body as { listen: string };
    const ws = await openClient(`ws://${p.listen}/`);
    const gone = closed(ws);
    const off = await call(url, 'POST', '/proxies/p', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ name: 'p', listen: p.listen, enabled: false });
    expect((await gone).code).toBe(1006); // TCP closed without a Close frame, as Toxiproxy closes
    const refused = await new Promise<string>((resolve) => net.connect(Number(p.listen.split(':')[1]), '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => resolve(e.code!)).on('connect', () => resolve('connected')));
    expect(refused).toBe('ECONNREFUSED');
    const on = await call(url, 'PATCH', '/proxies/p', { enabled: true });
    expect(on.body).toMatchObject({ listen: p.listen, enabled: true });
    const again = await openClient(`ws://${p.listen}/`);
    expect((await roundTrip(again, 'back')).data.toString()).toBe('back');
    again.close();
  });

  it('created with enabled:false it does not accept', async () => {
    const r = await call(url, 'POST', '/proxies', { name: 'off', listen: '127.0.0.1:0', upstream, enabled: false });
    expect(r.status).toBe(201);
    expect((r.body as { enabled: boolean }).enabled).toBe(false);
  });

  it('DELETE /proxies/{name}: 204 without a body, then 404; the wsfault proxy is gone too', async () => {
    await call(url, 'POST', '/proxies', { name: 'd', listen: '127.0.0.1:0', upstream });
    const r = await call(url, 'DELETE', '/proxies/d');
    expect([r.status, r.text]).toEqual([204, '']);
    expect(wsfault.app.has('d')).toBe(false);
    expect((await call(url, 'DELETE', '/proxies/d')).status).toBe(404);
  });

  it('POST /populate: 201 {proxies:[…]}, idempotent, replaces a proxy whose upstream changed, ignores toxics', async () => {
    const first = await call(url, 'POST', '/populate', [
      { name: 'p1', listen: '127.0.0.1:0', upstream },
      { name: 'p2', listen: '127.0.0.1:0', upstream, enabled: false, toxics: [{ type: 'latency' }] },
    ]);
    expect(first.status).toBe(201);
    const proxies = (first.body as { proxies: { name: string; listen: string; enabled: boolean; toxics: unknown[] }[] }).proxies;
    expect(proxies.map((p) => [p.name, p.enabled, p.toxics])).toEqual([
      ['p1', true, []],
      ['p2', false, []],
    ]);
    // Same listen (the real address) and upstream: kept as it is.
    const same = await call(url, 'POST', '/populate', [{ name: 'p1', listen: proxies[0]!.listen, upstream }]);
    expect((same.body as { proxies: unknown[] }).proxies).toEqual([(await call(url, 'GET', '/proxies/p1')).body]);
    const other = `127.0.0.1:${(await startWsEcho()).port}`;
    const replaced = await call(url, 'POST', '/populate', [{ name: 'p1', listen: proxies[0]!.listen, upstream: other }]);
    expect((replaced.body as { proxies: { upstream: string }[] }).proxies[0]!.upstream).toBe(other);
  });

  it('POST /populate errors: 400 before anything is made; an empty list answers proxies: null, as Go marshals it', async () => {
    const missing = await call(url, 'POST', '/populate', [{ name: 'ok', upstream }, { listen: ':0', upstream }]);
    expect([missing.status, missing.text]).toEqual([400, '{"error":"missing required field: name at proxy 2","status":400}\n']);
    expect(wsfault.app.has('ok')).toBe(false);
    const notList = await call(url, 'POST', '/populate', { name: 'x' });
    expect(notList.body).toEqual({ error: 'bad request body: json: cannot unmarshal object into Go value of type []toxiproxy.Proxy', status: 400 });
    const empty = await call(url, 'POST', '/populate', []);
    expect([empty.status, empty.text]).toEqual([201, '{"proxies":null}']);
  });

  it('POST /populate that fails half-way answers the error with the proxies made so far', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const r = await call(url, 'POST', '/populate', [
      { name: 'good', listen: '127.0.0.1:0', upstream },
      { name: 'bad', listen: `127.0.0.1:${port}`, upstream },
    ]);
    taken.close();
    expect(r.status).toBe(500);
    const body = r.body as { error: string; status: number; proxies: { name: string }[] };
    expect(Object.keys(body)).toEqual(['error', 'status', 'proxies']);
    expect(body).toMatchObject({ error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500 });
    expect(body.proxies.map((p) => p.name)).toEqual(['good']);
  });

  it('POST /reset: 204, every proxy enabled again and every toxic removed', async () => {
    await call(url, 'POST', '/proxies', { name: 'r', listen: '127.0.0.1:0', upstream, enabled: false });
    await call(url, 'POST', '/proxies/r/toxics', { type: 'latency', attributes: { latency: 100 } });
    const r = await call(url, 'POST', '/reset');
    expect([r.status, r.text]).toEqual([204, '']);
    expect((await call(url, 'GET', '/proxies/r')).body).toMatchObject({ enabled: true, toxics: [] });
    expect(wsfault.app.status('r').faults.map((f) => f.type)).toEqual(['toxiproxy-noop']);
  });

  it('routing as gorilla/mux does it: 404 page not found, 405 for a known path, 403 for browsers', async () => {
    const nf = await call(url, 'GET', '/nothing');
    expect([nf.status, nf.type, nf.text]).toEqual([404, ERROR_TYPE, '404 page not found\n']);
    const na = await call(url, 'PUT', '/proxies');
    expect([na.status, na.text]).toEqual([405, '']);
    const browser = await call(url, 'GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect([browser.status, browser.text]).toEqual([403, 'User agent not allowed\n']);
  });
});

describe('toxics over HTTP', () => {
  beforeEach(async () => {
    await call(url, 'POST', '/proxies', { name: 't', listen: '127.0.0.1:0', upstream });
  });

  it('POST /proxies/{name}/toxics: 200 (not 201) with attributes, name, type, stream, toxicity in Toxiproxy’s order', async () => {
    const r = await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', attributes: { latency: 50 } });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"attributes":{"latency":50,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}');
    // It is an ad-hoc fault of the wsfault proxy, visible in the wsfault API.
    expect(wsfault.app.status('t').faults.find((f) => f.type === 'latency')?.params).toMatchObject({ delay: 50, jitter: 0, direction: 'downstream' });
  });

  it('every built-in toxic type shows all its attributes, zero where not given', async () => {
    const cases: [string, Record<string, number>][] = [
      ['bandwidth', { rate: 0 }],
      ['slow_close', { delay: 0 }],
      ['timeout', { timeout: 0 }],
      ['reset_peer', { timeout: 0 }],
      ['slicer', { average_size: 64, size_variation: 0, delay: 0 }],
      ['limit_data', { bytes: 0 }],
      ['noop', {}],
    ];
    for (const [type, attributes] of cases) {
      const given = type === 'slicer' ? { average_size: 64 } : {};
      const r = await call(url, 'POST', '/proxies/t/toxics', { type, stream: 'upstream', attributes: given });
      expect([type, r.status, r.body]).toEqual([type, 200, { attributes, name: `${type}_upstream`, type, stream: 'upstream', toxicity: 1 }]);
    }
  });

  it('GET lists upstream toxics first, then downstream; GET one; PATCH updates attributes and toxicity; DELETE 204', async () => {
    await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', name: 'slow', attributes: { latency: 10 } });
    await call(url, 'POST', '/proxies/t/toxics', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } });
    const list = await call(url, 'GET', '/proxies/t/toxics');
    expect((list.body as { name: string }[]).map((t) => t.name)).toEqual(['bandwidth_upstream', 'slow']);
    expect((await call(url, 'GET', '/proxies/t/toxics/slow')).body).toEqual({ attributes: { latency: 10, jitter: 0 }, name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1 });
    const patched = await call(url, 'PATCH', '/proxies/t/toxics/slow', { attributes: { jitter: 5 }, toxicity: 0.5 });
    expect(patched.body).toEqual({ attributes: { latency: 10, jitter: 5 }, name: 'slow', type: 'latency', stream: 'downstream', toxicity: 0.5 });
    expect(wsfault.app.status('t').faults.find((f) => f.type === 'latency')?.params).toMatchObject({ delay: 10, jitter: 5 });
    const del = await call(url, 'DELETE', '/proxies/t/toxics/slow');
    expect([del.status, del.text]).toEqual([204, '']);
    expect((await call(url, 'GET', '/proxies/t')).body).toMatchObject({ toxics: [{ name: 'bandwidth_upstream' }] });
  });

  it('errors: 404 toxic, 409 name taken in either stream, 400 stream, 400 type, 400 attribute of the wrong type', async () => {
    const nf = await call(url, 'GET', '/proxies/t/toxics/none');
    expect([nf.status, nf.text]).toEqual([404, '{"error":"toxic not found","status":404}\n']);
    expect((await call(url, 'DELETE', '/proxies/t/toxics/none')).status).toBe(404);
    expect((await call(url, 'PATCH', '/proxies/t/toxics/none', {})).status).toBe(404);
    expect((await call(url, 'POST', '/proxies/nope/toxics', { type: 'latency' })).body).toEqual({ error: 'proxy not found', status: 404 });
    await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', name: 'x', stream: 'upstream' });
    const dup = await call(url, 'POST', '/proxies/t/toxics', { type: 'timeout', name: 'x', stream: 'downstream' });
    expect([dup.status, dup.text]).toEqual([409, '{"error":"toxic already exists","status":409}\n']);
    expect((await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', stream: 'sideways' })).body).toEqual({ error: 'stream was invalid, can be either upstream or downstream', status: 400 });
    expect((await call(url, 'POST', '/proxies/t/toxics', { type: 'lag' })).body).toEqual({ error: 'invalid toxic type', status: 400 });
    expect((await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', attributes: { latency: 'slow' } })).body).toEqual({
      error: 'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64',
      status: 400,
    });
    // Stream is matched case-insensitively and kept as written, as in Toxiproxy.
    expect((await call(url, 'POST', '/proxies/t/toxics', { type: 'latency', stream: 'UpStream' })).body).toMatchObject({ name: 'latency_UpStream', stream: 'UpStream' });
  });
});

describe('ws.* toxics', () => {
  beforeEach(async () => {
    await call(url, 'POST', '/proxies', { name: 'w', listen: '127.0.0.1:0', upstream });
  });

  it('GET /toxics/types lists Toxiproxy’s types and every wsfault fault as ws.TYPE', async () => {
    const r = await call(url, 'GET', '/toxics/types');
    const types = (r.body as { type: string }[]).map((t) => t.type);
    expect(types.slice(0, 8)).toEqual(['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop']);
    expect(types).toEqual(expect.arrayContaining(['ws.close-frame', 'ws.status', 'ws.drop-messages']));
    expect(types.some((t) => t.startsWith('ws.toxiproxy-'))).toBe(false);
  });

  it('a ws.* toxic takes the fault’s parameters as attributes and shows them with defaults filled in', async () => {
    const r = await call(url, 'POST', '/proxies/w/toxics', { type: 'ws.close-frame', attributes: { code: 1012 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'ws.close-frame_downstream', type: 'ws.close-frame', stream: 'downstream', toxicity: 1, attributes: { code: 1012 } });
    const p = (await call(url, 'GET', '/proxies/w')).body as { listen: string };
    const ws = await openClient(`ws://${p.listen}/`);
    expect((await closed(ws)).code).toBe(1012);
  });

  it('bad parameters are 400 in Toxiproxy’s error shape, checked by the fault’s own schema', async () => {
    const r = await call(url, 'POST', '/proxies/w/toxics', { type: 'ws.close-frame', attributes: { code: 'soon' } });
    expect(r.status).toBe(400);
    expect(r.type).toBe(ERROR_TYPE);
    const body = r.body as { error: string; status: number };
    expect(Object.keys(body)).toEqual(['error', 'status']);
    expect(body.status).toBe(400);
    expect(body.error).toMatch(/^bad request body: attributes\.code: /);
    expect((await call(url, 'GET', '/proxies/w/toxics')).body).toEqual([]);
  });
});
