import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * examples/kubernetes.yaml: no cluster runs here, so its shape is checked: every probe asks the
 * control API (readiness /health, liveness /version), none touches the proxy port.
 */
const dockerfile = readFileSync('Dockerfile', 'utf8');
const PROXY_PORT = Number(/"--listen", "0\.0\.0\.0:(\d+)"/.exec(dockerfile)![1]);
const API_PORT = Number(/"--api", "0\.0\.0\.0:(\d+)"/.exec(dockerfile)![1]);

interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: unknown;
  exec?: unknown;
  grpc?: unknown;
}
interface Container {
  name: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

const documents = parseAllDocuments(readFileSync('examples/kubernetes.yaml', 'utf8')).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as { kind: string; spec: { template?: { spec: { containers: Container[] } }; ports?: { port: number; targetPort: string }[] } };
});

describe('the Kubernetes example', () => {
  const deployment = documents.find((d) => d.kind === 'Deployment')!;
  const [container] = deployment.spec.template!.spec.containers;

  it('names the image’s proxy and API ports and lets args keep the entrypoint’s', () => {
    expect(container!.ports).toEqual([
      { name: 'proxy', containerPort: PROXY_PORT },
      { name: 'api', containerPort: API_PORT },
    ]);
    expect(container!.args!.join(' ')).not.toMatch(/--listen|--api\b|--health/);
  });

  it('probes readiness at GET /health and liveness at GET /version on the API port, never the proxy port', () => {
    const portOf = (port: number | string) => (typeof port === 'number' ? port : container!.ports.find((p) => p.name === port)!.containerPort);
    const probes = { readinessProbe: container!.readinessProbe, livenessProbe: container!.livenessProbe, startupProbe: container!.startupProbe };
    const used = Object.entries(probes).filter(([, probe]) => probe !== undefined) as [string, Probe][];
    expect(used.map(([kind]) => kind)).toEqual(['readinessProbe', 'livenessProbe']);
    for (const [kind, probe] of used) {
      expect(Object.keys(probe).filter((k) => ['httpGet', 'tcpSocket', 'exec', 'grpc'].includes(k)), kind).toEqual(['httpGet']);
      expect(portOf(probe.httpGet!.port), kind).toBe(API_PORT);
      expect(portOf(probe.httpGet!.port), kind).not.toBe(PROXY_PORT);
    }
    expect(container!.readinessProbe!.httpGet!.path).toBe('/health');
    expect(container!.livenessProbe!.httpGet!.path).toBe('/version');
  });

  it('has a Service for both ports', () => {
    const service = documents.find((d) => d.kind === 'Service')!;
    expect(service.spec.ports!.map((p) => [p.port, p.targetPort])).toEqual([
      [PROXY_PORT, 'proxy'],
      [API_PORT, 'api'],
    ]);
  });
});
