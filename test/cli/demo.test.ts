import { afterEach, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.js';

const cli = cliRunner();
afterEach(() => cli.killAll());

describe('wsfault demo', () => {
  it('prints the dashboard URL, then one line per scenario with what each sample client saw', async () => {
    // 426 is in force from the first attempt, so every client fails until passthrough; with
    // seed 7 the jittered client's fifth attempt is due 3.2 s in and its sixth 5.6 s in, both
    // well inside their 4 s stretches (the waits are the seeded PRNG's, not the clock's).
    const p = cli.run(['demo', '--scenarios', 'upgrade-required-426,passthrough', '--duration', '8s', '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--seed', '7']);
    const [, dashboard] = await p.waitFor(/dashboard\s+(http:\/\/\S+)/);
    const page = await fetch(dashboard!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const { code } = await p.exited;
    expect(p.stderr()).toBe('');
    expect(code).toBe(0);
    const lines = p.stdout().split('\n').filter((line) => line.startsWith('['));
    expect(lines).toHaveLength(2);
    const clients = (line: string) => Object.fromEntries(line.replace(/^\[\d\/\d\] \S+\s+/, '').split(' · ').map((part) => part.split(': ') as [string, string]));
    const refused = clients(lines[0]!);
    expect(lines[0]).toMatch(/^\[1\/2\] upgrade-required-426 /);
    expect(Object.keys(refused)).toEqual(['naive', 'backoff', 'party']);
    for (const seen of Object.values(refused)) expect(seen).toMatch(/^\d+ attempts, 426 ×\d+, never opened, 0 echoes → /);
    // The report's classes, from the waits it measured: 50 ms retries, and ×1.3 without jitter.
    expect(refused.naive).toMatch(/ → immediate$/);
    expect(refused.party).toMatch(/ → exponential ×1\.3$/);
    // The naive client retries every 50 ms; the others back off, so they made far fewer attempts.
    const attempts = (text: string) => Number(text.match(/^(\d+) attempts/)![1]);
    expect(attempts(refused.backoff!)).toBe(5);
    expect(attempts(refused.party!)).toBe(5);
    expect(attempts(refused.naive!)).toBeGreaterThan(20);
    const recovered = clients(lines[1]!);
    expect(lines[1]).toMatch(/^\[2\/2\] passthrough /);
    // An attempt counts in the stretch that decided it. One in flight at the switch may still be
    // refused (426) or reset (the switch closes what is open); then a second attempt recovers.
    for (const seen of Object.values(recovered)) expect(seen).toMatch(/^(1 attempt|2 attempts, (426|reset) ×1), back in \d+ ms, [1-9]\d* echoes → /);
  }, 60_000);

  it('Ctrl-C ends it cleanly with exit 0, before the tour is over', async () => {
    const p = cli.run(['demo', '--duration', '10m', '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--seed', '1']);
    await p.waitFor(/client\s+party/);
    p.child.kill('SIGINT');
    const { code, signal } = await p.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toBe('');
  }, 60_000);
});
