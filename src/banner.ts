import type { Proxy } from './proxy/proxy.js';
import type { ScenarioEngine } from './scenario/engine.js';
import { VERSION } from './version.js';

/** What the banner shows of one proxy. */
export interface BannerProxy {
  readonly proxy: Proxy;
  readonly engine: ScenarioEngine;
  readonly echo: object | null;
}

/**
 * The start-up banner, printed once everything listens. The echo page is offered on the control
 * API, never through the proxy: loading a page there would be a client to every fault.
 */
export function banner(seed: number, proxies: BannerProxy[], apiUrl: string | null, healthUrl: string | null, caPath?: string): string {
  const lines = [`wsfault ${VERSION}  seed ${seed}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(9)} ${text}`);
  for (const { proxy, engine, echo } of proxies) {
    row(proxies.length > 1 ? `proxy ${proxy.name}` : 'proxy', `${proxy.url}${proxy.secureUrl ? ` and ${proxy.secureUrl}` : ''}  ->  ${proxy.target.url}${echo ? ' (built-in echo)' : ''}`);
    row('scenario', engine.scenario.name);
    if (echo && apiUrl) row('try it', `open ${apiUrl}/echo${proxies.length > 1 ? `?proxy=${proxy.name}` : ''} in a browser`);
  }
  const extra: string[] = [];
  if (apiUrl) extra.push(`  ${'control'.padEnd(9)} ${apiUrl}   (API docs at /docs, readiness at /health)`);
  if (apiUrl) extra.push(`  ${'dashboard'.padEnd(9)} ${apiUrl}/   (open it in a browser: proxies, connections, events)`);
  if (healthUrl) extra.push(`  ${'health'.padEnd(9)} ${healthUrl}/health`);
  if (caPath) extra.push(`  ${'test CA'.padEnd(9)} ${caPath}${apiUrl ? `   (also ${apiUrl}/tls/ca.pem)` : ''}`);
  lines.splice(lines.length > 2 ? 2 : lines.length, 0, ...extra);
  return lines.join('\n');
}
