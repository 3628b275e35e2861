import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';

const builtIns = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`);

describe('wsfault validate', () => {
  it('accepts every built-in scenario (exit 0)', async () => {
    const p = spawnCli(['validate', ...builtIns]);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout().trim().split('\n')).toHaveLength(builtIns.length);
  });

  it('reports all five mistakes at their line:col and exits 2', async () => {
    const file = 'test/fixtures/scenarios/five-mistakes.yaml';
    const p = spawnCli(['validate', file]);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr().trim().split('\n')).toEqual([
      `${file}:7:5  faults[0].jiter: unknown key "jiter" (did you mean "jitter"?)`,
      `${file}:9:11  faults[1].rate: must be a rate like 256KiB/s, 1MB/s or a number of bytes per second`,
      `${file}:11:11  faults[2].code: must be <= 599`,
      `${file}:13:14  faults[3].timeout: must be a duration like 250ms, 5s, 2m, 1h or a number of milliseconds`,
      `${file}:14:11  faults[4].type: unknown fault type "lag"`,
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const p = spawnCli(['validate', 'test/fixtures/scenarios/bad-yaml.yaml']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toMatch(/^test\/fixtures\/scenarios\/bad-yaml\.yaml:4:1 {2}\(yaml\): Map keys must be unique/m);
  });

  it('checks config files too', async () => {
    const good = spawnCli(['validate', 'test/fixtures/config/two-proxies.yaml']);
    expect((await good.exited).code).toBe(0);
    const bad = spawnCli(['validate', 'test/fixtures/config/bad-config.yaml']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/bad-config\.yaml:4:5 {2}proxies\[0\]\.port: unknown key "port"/);
    expect(bad.stderr()).toMatch(/bad-config\.yaml:\d+:\d+ {2}proxies\[1\]: missing required key "target"/);
  });
});
