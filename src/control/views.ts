import type { RunningProxy } from '../app.js';
import { FAULTS } from '../faults/index.js';
import type { Scenario } from '../scenario/types.js';

/** JSON views the API returns (the same shapes WsfaultClient and startWsfault() give). */

export function proxyView(running: RunningProxy) {
  const { proxy, engine } = running;
  return {
    name: proxy.name,
    listen: `${proxy.address.host}:${proxy.address.port}`,
    url: proxy.url,
    target: proxy.target.url,
    enabled: proxy.enabled,
    scenario: engine.scenario.name,
    phase: Number.isFinite(engine.scenario.phases[0]!.durationMs) ? engine.phase.name : null,
    faults: engine.adhocFaults.map((f) => ({ id: f.name, name: f.name, type: f.type, params: f.params })),
    connections: proxy.connections.size,
  };
}

export function scenarioSummary(scenario: Scenario) {
  return { name: scenario.name, description: scenario.description, source: scenario.source };
}

export function faultCatalogue() {
  return FAULTS.map((f) => ({ type: f.type, layer: f.layer, summary: f.summary, params: f.params }));
}
