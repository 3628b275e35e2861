import { FAULTS } from './faults/index.js';
import type { Proxy } from './proxy/proxy.js';
import type { ScenarioEngine } from './scenario/engine.js';
import type { FaultSpec, Scenario } from './scenario/types.js';
import { VERSION } from './version.js';
import type { FaultType, FaultView, Health, ProxyHealth, ProxyState, ProxyView, ScenarioSummary } from './wire.js';

/** The wire shapes (src/wire.ts) built from the running objects: one builder per shape. */

export function proxyView(proxy: Proxy, engine: ScenarioEngine): ProxyView {
  return {
    name: proxy.name,
    listen: `${proxy.address.host}:${proxy.address.port}`,
    url: proxy.url,
    target: proxy.target.url,
    enabled: proxy.enabled,
    scenario: engine.scenario.name,
    phase: Number.isFinite(engine.scenario.phases[0]!.durationMs) ? engine.phase.name : null,
    faults: engine.adhocFaults.map(faultView),
    connections: proxy.connections.size,
  };
}

/** An ad-hoc fault is known by its name, which is also its id. */
export function faultView(spec: FaultSpec): FaultView {
  return { id: spec.name, name: spec.name, type: spec.type, params: spec.params };
}

export function scenarioSummary(scenario: Scenario): ScenarioSummary {
  return { name: scenario.name, description: scenario.description, source: scenario.source };
}

export function faultCatalogue(): FaultType[] {
  return FAULTS.map((f) => ({ type: f.type, layer: f.layer, summary: f.summary, params: f.params }));
}

/** One proxy's line of GET /health. */
export function proxyHealth(proxy: Proxy, state: ProxyState, error: string | null): ProxyHealth {
  return { name: proxy.name, state, listen: `${proxy.address.host}:${proxy.address.port}`, ...(error ? { error } : {}) };
}

/** GET /health: ok only when every proxy listens; `down` names the others. */
export function healthView(proxies: ProxyHealth[]): Health {
  const down = proxies.filter((p) => p.state !== 'listening').map((p) => p.name);
  const up = proxies.filter((p) => p.state === 'listening').map((p) => p.name);
  return { status: down.length === 0 ? 'ok' : 'unavailable', version: VERSION, up, down, proxies };
}
