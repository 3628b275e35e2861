import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { WsfaultEvent } from '../../src/events/types.js';
import { EngineFaultSource } from '../../src/proxy/engine-faults.js';
import type { FaultsInForce } from '../../src/proxy/fault-instances.js';
import { ScenarioEngine } from '../../src/scenario/engine.js';
import { loadScenarioObject } from '../../src/scenario/load.js';

const request = { path: '/ws', query: '', headers: [] as [string, string][] };
const load = (value: object) => loadScenarioObject(value, 'inline');

function setup(scenario: object) {
  const bus = new EventBus();
  const events: WsfaultEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const engine = new ScenarioEngine({ proxy: 'default', bus, seed: 1, scenario: load(scenario) });
  return { bus, events, engine };
}

afterEach(() => vi.useRealTimers());

describe('phases', () => {
  it('advance and loop on time, emitting phase.changed', () => {
    vi.useFakeTimers();
    const { engine, events } = setup({
      name: 'flapping',
      loop: true,
      phases: [
        { name: 'healthy', duration: '20s' },
        { name: 'outage', duration: '10s', faults: [{ type: 'status', code: 503 }] },
      ],
    });
    const names = () => events.filter((e) => e.type === 'phase.changed').map((e) => (e as { to: string }).to);
    expect(engine.phase.name).toBe('healthy');
    expect(engine.decide('c-1', request)).toHaveLength(0);
    vi.advanceTimersByTime(19_999);
    expect(engine.phase.name).toBe('healthy');
    vi.advanceTimersByTime(1);
    expect(engine.phase.name).toBe('outage');
    expect(engine.decide('c-2', request).map((d) => d.spec.type)).toEqual(['status']);
    vi.advanceTimersByTime(10_000);
    expect(engine.phase.name).toBe('healthy');
    vi.advanceTimersByTime(30_000);
    expect(names()).toEqual(['healthy', 'outage', 'healthy', 'outage', 'healthy']);
    const changed = events.find((e) => e.type === 'phase.changed' && (e as { to: string }).to === 'outage');
    expect(changed).toMatchObject({ from: 'healthy', to: 'outage', scenario: 'flapping', proxy: 'default' });
    engine.stop();
  });

  it('without loop, the last phase stays in force', () => {
    vi.useFakeTimers();
    const { engine } = setup({ name: 'once', phases: [{ name: 'a', duration: '1s' }, { name: 'b', duration: '1s' }] });
    vi.advanceTimersByTime(10_000);
    expect(engine.phase.name).toBe('b');
    engine.stop();
  });
});

describe('switching scenarios', () => {
  it('apply=all changes the faults of open connections; apply=new leaves them', () => {
    const { engine, bus, events } = setup({ name: 'passthrough-ish', faults: [] });
    const source = new EngineFaultSource(engine, 'default', bus);
    const updates: FaultsInForce[] = [];
    source.forAccept('c-1', { applied: () => {}, update: (faults) => updates.push(faults), failed: () => {} });
    const initial = source.forRequest('c-1', request);
    expect(initial.handshake).toHaveLength(0);

    engine.use(load({ name: 'refuse-426', faults: [{ type: 'status' }] }), 'all');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.handshake.map((f) => f.type)).toEqual(['status']);

    engine.use(load({ name: 'refuse-503', faults: [{ type: 'status', code: 503 }] }), 'new');
    expect(updates).toHaveLength(1);
    // A new connection gets the new scenario (decided at accept: the fault has no match).
    expect(source.forAccept('c-2', { applied: () => {}, update: () => {}, failed: () => {} }).handshake.map((f) => f.name)).toEqual(['status-1']);
    expect(events.filter((e) => e.type === 'scenario.changed').map((e) => (e as { to: string }).to)).toEqual(['refuse-426', 'refuse-503']);
  });

  it('count limits how many connections a fault touches, from when the scenario became active', () => {
    const { engine } = setup({ name: 'first-two', faults: [{ type: 'status', count: 2 }] });
    const got = ['c-1', 'c-2', 'c-3', 'c-4'].map((id) => engine.decide(id, request).length);
    expect(got).toEqual([1, 1, 0, 0]);
    engine.use(engine.scenario);
    expect(engine.decide('c-5', request)).toHaveLength(1);
  });

  it('match narrows faults to some paths, headers and query values', () => {
    const { engine } = setup({
      name: 'narrow',
      faults: [
        { type: 'status', name: 'chat-only', match: { path: '/chat/**' } },
        { type: 'status', name: 'tenant-a', code: 503, match: { headers: { 'X-Tenant': 'a*' }, query: { v: '2' } } },
      ],
    });
    const names = (r: typeof request) => engine.decide('c', r).map((d) => d.spec.name);
    expect(names({ path: '/chat/room/1', query: '', headers: [] })).toEqual(['chat-only']);
    expect(names({ path: '/feed', query: 'v=2', headers: [['x-tenant', 'acme']] })).toEqual(['tenant-a']);
    expect(names({ path: '/feed', query: 'v=1', headers: [['x-tenant', 'acme']] })).toEqual([]);
  });
});

describe('loading rules', () => {
  it('fills defaults, names faults TYPE-N, turns units into numbers and freezes the result', () => {
    const scenario = loadScenarioObject({ name: 'x', faults: [{ type: 'latency', delay: '100ms' }, { type: 'latency', delay: 1, jitter: '1s' }] }, 'inline');
    const [a, b] = scenario.phases[0]!.faults;
    expect(a).toMatchObject({ name: 'latency-1', params: { delay: 100, jitter: 0, direction: 'both' } });
    expect(b).toMatchObject({ name: 'latency-2', params: { delay: 1, jitter: 1000 } });
    expect(Object.isFrozen(scenario)).toBe(true);
    expect(Object.isFrozen(a!.params)).toBe(true);
  });

  it('checks close codes beyond the schema', () => {
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'close-frame', code: 1005 }] }, 'inline')).toThrow(/1005 is not a close code that may be sent/);
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'close-frame', code: 1005, allowReserved: true }] }, 'inline')).not.toThrow();
  });
});
