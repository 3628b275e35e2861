/**
 * Toxiproxy 2.x's operations (api.go, proxy_collection.go, toxic_collection.go) over the App.
 * Bodies are decoded as Go's encoding/json would decode them; errors are ToxiErrors with
 * Toxiproxy's messages and status codes.
 */
import type { App } from '../app.js';
import { WsfaultError } from '../errors.js';
import { ERRORS, goTypeError, ToxiError } from './errors.js';
import { disableProxy, dropProxy, enableProxy, goAddress, launchProxy, listenOf, parseGoListen, upstreamOf } from './proxies.js';
import { ToxicStore, type ToxicJson } from './toxic-store.js';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

interface ProxyInput {
  name?: string;
  listen?: string;
  upstream?: string;
  enabled?: boolean;
}

/** The JSON kind in Go's decode errors. */
function goKind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : 'object';
}

const FIELDS: Record<keyof ProxyInput, 'string' | 'boolean'> = { name: 'string', listen: 'string', upstream: 'string', enabled: 'boolean' };

/** One proxy object of a body, checked field by field as Go decodes it into `Proxy`. */
function proxyInput(value: unknown, goValue: string): ProxyInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ERRORS.badRequestBody.with(`json: cannot unmarshal ${goKind(value)} into Go value of type ${goValue}`);
  }
  const input: ProxyInput = {};
  for (const [field, kind] of Object.entries(FIELDS) as [keyof ProxyInput, 'string' | 'boolean'][]) {
    const given = (value as Record<string, unknown>)[field];
    if (given === undefined || given === null) continue;
    if (typeof given !== kind) throw goTypeError(given, `Proxy.${field}`, kind === 'boolean' ? 'bool' : 'string');
    (input as Record<string, unknown>)[field] = given;
  }
  return input;
}

export class ToxiproxyService {
  /** `upstream` as the user gave it, for proxies made here (others show their target's host:port). */
  private readonly upstreams = new Map<string, string>();
  readonly toxics: ToxicStore;

  constructor(private readonly app: App) {
    this.toxics = new ToxicStore(app, (name) => this.need(name));
  }

  /** The proxy, or Toxiproxy's 404. */
  need(name: string): string {
    if (!this.app.has(name)) throw ERRORS.proxyNotFound;
    return name;
  }

  proxyJson(name: string): ProxyJson {
    return { name, listen: listenOf(this.app, name), upstream: this.upstreams.get(name) ?? upstreamOf(this.app, name), enabled: this.app.status(name).enabled, toxics: this.toxics.list(name) };
  }

  all(): Record<string, ProxyJson> {
    return Object.fromEntries(this.app.status().map((p) => [p.name, this.proxyJson(p.name)]));
  }

  async create(body: unknown): Promise<ProxyJson> {
    const input = proxyInput(body, 'toxiproxy.Proxy');
    if (!input.name) throw ERRORS.missingField.with('name');
    if (!input.upstream) throw ERRORS.missingField.with('upstream');
    if (this.app.has(input.name)) throw ERRORS.proxyExists;
    await this.start(input.name, input.listen ?? '', input.upstream, input.enabled ?? true);
    return this.proxyJson(input.name);
  }

  /** POST /populate: idempotent; a proxy is replaced only when its listen or upstream differ. */
  async populate(body: unknown): Promise<{ proxies: ProxyJson[] | null; error?: ToxiError }> {
    if (!Array.isArray(body)) throw ERRORS.badRequestBody.with(`json: cannot unmarshal ${goKind(body)} into Go value of type []toxiproxy.Proxy`);
    const inputs = body.map((item) => proxyInput(item, 'toxiproxy.Proxy'));
    inputs.forEach((input, i) => {
      if (!input.name) throw ERRORS.missingField.with(`name at proxy ${i + 1}`);
      if (!input.upstream) throw ERRORS.missingField.with(`upstream at proxy ${i + 1}`);
    });
    const done: ProxyJson[] = [];
    try {
      for (const input of inputs) {
        const name = input.name!;
        if (this.app.has(name)) {
          if (!this.differs(name, input.listen ?? '', input.upstream!)) {
            done.push(this.proxyJson(name));
            continue;
          }
          await this.remove(name);
        }
        await this.start(name, input.listen ?? '', input.upstream!, input.enabled ?? true);
        done.push(this.proxyJson(name));
      }
    } catch (error) {
      return { proxies: done.length > 0 ? done : null, error: error instanceof ToxiError ? error : new ToxiError((error as Error).message, 500) };
    }
    // Go marshals an empty list it built by appending as null.
    return { proxies: done.length > 0 ? done : null };
  }

  /** PATCH (or POST) /proxies/{name}: a changed listen or upstream restarts the proxy and drops its connections. */
  async update(name: string, body: unknown): Promise<ProxyJson> {
    this.need(name);
    const given = proxyInput(body, 'toxiproxy.Proxy');
    const listen = given.listen ?? listenOf(this.app, name);
    const upstream = given.upstream ?? this.upstreams.get(name) ?? upstreamOf(this.app, name);
    let enabled = this.app.status(name).enabled;
    const wanted = given.enabled ?? enabled;
    const listenChanged = this.listenDiffers(name, listen);
    if (listenChanged || upstream !== (this.upstreams.get(name) ?? upstreamOf(this.app, name))) {
      if (listenChanged) {
        const kept = this.toxics.detach(name);
        await dropProxy(this.app, name);
        await launchProxy(this.app, name, listen, upstream);
        this.toxics.attach(name, kept);
        enabled = true;
      } else {
        this.app.setTarget(name, `ws://${upstream}`);
        this.app.kill(name, 'all', { how: 'fin' });
      }
      this.upstreams.set(name, upstream);
    }
    if (wanted !== enabled) await (wanted ? enableProxy(this.app, name) : disableProxy(this.app, name));
    return this.proxyJson(name);
  }

  async remove(name: string): Promise<void> {
    this.need(name);
    this.toxics.forget(name);
    this.upstreams.delete(name);
    await dropProxy(this.app, name);
  }

  /** POST /reset: every proxy enabled again, every toxic removed. */
  async reset(): Promise<void> {
    for (const { name, enabled } of this.app.status()) {
      if (!enabled) await enableProxy(this.app, name);
      this.toxics.removeAll(name);
    }
  }

  private async start(name: string, listen: string, upstream: string, enabled: boolean): Promise<void> {
    await launchProxy(this.app, name, listen, upstream);
    this.upstreams.set(name, upstream);
    if (!enabled) await disableProxy(this.app, name);
  }

  private listenDiffers(name: string, listen: string): boolean {
    let spec;
    try {
      spec = parseGoListen(listen);
    } catch {
      return true;
    }
    return goAddress(spec.host, spec.port) !== listenOf(this.app, name);
  }

  private differs(name: string, listen: string, upstream: string): boolean {
    return this.listenDiffers(name, listen) || upstream !== (this.upstreams.get(name) ?? upstreamOf(this.app, name));
  }
}

/** An App error the adapter did not expect, as Toxiproxy reports anything without a status: 500. */
export function asToxiError(error: unknown): ToxiError {
  if (error instanceof ToxiError) return error;
  if (error instanceof WsfaultError && error.code === 'WSFAULT_NOT_FOUND') return ERRORS.proxyNotFound;
  return new ToxiError((error as Error).message ?? String(error), 500);
}
