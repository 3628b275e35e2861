/**
 * The toxics of each proxy. A toxic is an ad-hoc wsfault fault on the proxy (so the wsfault API
 * shows it); this store keeps what Toxiproxy shows of it (name, type, stream as given,
 * toxicity, attributes). A toxic whose fault was removed elsewhere (wsfault's POST /reset) is gone.
 */
import type { App, FaultEntry } from '../app.js';
import { WsfaultError } from '../errors.js';
import type { ScenarioProblem } from '../scenario/types.js';
import { ERRORS, goTypeError, ToxiError } from './errors.js';
import { LINK_FAULT } from './proxies.js';
import { decodeAttributes, isToxicType, TOXIC_TYPES, WS_PREFIX, type Stream } from './toxics.js';

export interface ToxicJson {
  attributes: Record<string, unknown>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

interface Toxic extends ToxicJson {
  direction: Stream;
  /** The fault's name on the proxy. */
  fault: string;
}

const WRAPPER: Record<string, 'string' | 'number'> = { name: 'string', type: 'string', stream: 'string', toxicity: 'number' };

/** `stream.ParseDirection`: case-insensitive. */
function parseStream(value: string): Stream {
  const lower = value.toLowerCase();
  if (lower === 'upstream' || lower === 'downstream') return lower;
  throw ERRORS.invalidStream;
}

function asObject(body: unknown, goValue: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw ERRORS.badRequestBody.with(`json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type ${goValue}`);
}

export class ToxicStore {
  private readonly byProxy = new Map<string, Toxic[]>();
  private seq = 0;

  constructor(
    private readonly app: App,
    private readonly need: (proxy: string) => string,
  ) {}

  /** Upstream toxics first, then downstream, each in the order they were added (Toxiproxy's chains). */
  list(proxy: string): ToxicJson[] {
    const live = this.live(proxy);
    return [...live.filter((t) => t.direction === 'upstream'), ...live.filter((t) => t.direction === 'downstream')].map(json);
  }

  get(proxy: string, name: string): ToxicJson {
    return json(this.find(proxy, name));
  }

  add(proxy: string, body: unknown): ToxicJson {
    this.need(proxy);
    const input = asObject(body, 'toxics.ToxicWrapper');
    for (const [field, kind] of Object.entries(WRAPPER)) {
      const value = input[field];
      if (value !== undefined && value !== null && typeof value !== kind) throw goTypeError(value, `ToxicWrapper.${field}`, kind === 'number' ? 'float32' : 'string');
    }
    const stream = (input.stream as string | undefined) ?? 'downstream';
    const direction = parseStream(stream);
    const type = (input.type as string | undefined) ?? '';
    const name = (input.name as string | undefined) || `${type}_${stream}`;
    if (!isToxicType(type)) throw ERRORS.invalidToxicType;
    if (this.live(proxy).some((t) => t.name === name)) throw ERRORS.toxicExists;
    const toxicity = (input.toxicity as number | undefined) ?? 1;
    const attributes = type.startsWith(WS_PREFIX) ? wsAttributes(input.attributes, {}) : decodeAttributes(type, input.attributes, null);
    const toxic: Toxic = { attributes, name, type, stream, toxicity, direction, fault: `toxiproxy.${++this.seq}` };
    // A proxy made by wsfault's own flags gets the hidden link now, so later toxics reach its new connections.
    if (!this.app.status(proxy).faults.some((f) => f.name === LINK_FAULT)) this.app.addFault(proxy, { type: 'toxiproxy-noop', name: LINK_FAULT });
    toxic.attributes = this.install(proxy, toxic);
    this.live(proxy).push(toxic);
    return json(toxic);
  }

  /** PATCH: `attributes` (merged into the old ones) and `toxicity`; type and stream stay. */
  update(proxy: string, name: string, body: unknown): ToxicJson {
    const toxic = this.find(proxy, name);
    const input = asObject(body, 'struct { Attributes interface {} "json:\\"attributes\\""; Toxicity float32 "json:\\"toxicity\\"" }');
    if (input.toxicity !== undefined && input.toxicity !== null && typeof input.toxicity !== 'number') throw goTypeError(input.toxicity, 'toxicity', 'float32');
    const attributes = toxic.type.startsWith(WS_PREFIX) ? wsAttributes(input.attributes, toxic.attributes) : decodeAttributes(toxic.type, input.attributes, toxic.attributes as Record<string, number>);
    const next = { ...toxic, attributes, toxicity: (input.toxicity as number | undefined) ?? toxic.toxicity };
    next.attributes = this.install(proxy, next);
    Object.assign(toxic, next);
    return json(toxic);
  }

  remove(proxy: string, name: string): void {
    const toxic = this.find(proxy, name);
    this.uninstall(proxy, toxic);
  }

  removeAll(proxy: string): void {
    for (const toxic of [...this.live(proxy)]) this.uninstall(proxy, toxic);
  }

  /** The proxy is gone: its toxics too. */
  forget(proxy: string): void {
    this.byProxy.delete(proxy);
  }

  /** For a proxy about to be rebuilt on another address: its toxics, to attach again. */
  detach(proxy: string): Toxic[] {
    const kept = this.live(proxy);
    this.byProxy.delete(proxy);
    return kept;
  }

  attach(proxy: string, toxics: Toxic[]): void {
    for (const toxic of toxics) this.install(proxy, toxic);
    this.byProxy.set(proxy, toxics);
  }

  /** Toxics whose faults still exist on the proxy. */
  private live(proxy: string): Toxic[] {
    const faults = new Set(this.app.status(proxy).faults.map((f) => f.name));
    const kept = (this.byProxy.get(proxy) ?? []).filter((t) => faults.has(t.fault));
    this.byProxy.set(proxy, kept);
    return kept;
  }

  private find(proxy: string, name: string): Toxic {
    this.need(proxy);
    const toxic = this.live(proxy).find((t) => t.name === name);
    if (!toxic) throw ERRORS.toxicNotFound;
    return toxic;
  }

  /** Adds (or replaces) the toxic's fault; returns the attributes as they are now shown. */
  private install(proxy: string, toxic: Toxic): Record<string, unknown> {
    const probability = Math.min(1, Math.max(0, toxic.toxicity));
    const ws = toxic.type.startsWith(WS_PREFIX);
    const entry: FaultEntry = ws
      ? { ...toxic.attributes, type: toxic.type.slice(WS_PREFIX.length), name: toxic.fault, probability }
      : { ...TOXIC_TYPES[toxic.type]!.fault(toxic.attributes as Record<string, number>, toxic.direction), name: toxic.fault, probability };
    try {
      const view = this.app.addFault(proxy, entry);
      // A ws.* toxic shows the fault's parameters with defaults filled in and units as numbers.
      return ws ? { ...view.params } : toxic.attributes;
    } catch (error) {
      throw badFault(error);
    }
  }

  private uninstall(proxy: string, toxic: Toxic): void {
    // Toxiproxy's timeout toxic has a cleanup: bytes were dropped, so its connections are closed.
    if (TOXIC_TYPES[toxic.type] === TOXIC_TYPES.timeout) {
      for (const conn of this.app.connections(proxy)) if (conn.faults.includes(toxic.fault)) this.app.kill(proxy, conn.id, { how: 'fin' });
    }
    try {
      this.app.removeFault(proxy, toxic.fault);
    } catch (error) {
      if (!(error instanceof WsfaultError && error.code === 'WSFAULT_NOT_FOUND')) throw error;
    }
    const list = this.byProxy.get(proxy) ?? [];
    this.byProxy.set(proxy, list.filter((t) => t !== toxic));
  }
}

function json(toxic: ToxicJson): ToxicJson {
  return { attributes: toxic.attributes, name: toxic.name, type: toxic.type, stream: toxic.stream, toxicity: toxic.toxicity };
}

/** A ws.* toxic's attributes are the fault's parameters; PATCH merges into the old ones. */
function wsAttributes(given: unknown, base: Record<string, unknown>): Record<string, unknown> {
  if (given === undefined || given === null) return { ...base };
  return { ...base, ...asObject(given, 'toxics.Toxic') };
}

/** The fault refused its parameters: Toxiproxy's 400 with each problem as `attributes.KEY: message`. */
function badFault(error: unknown): ToxiError {
  if (!(error instanceof WsfaultError)) return new ToxiError((error as Error).message, 500);
  const problems = error.details as Partial<ScenarioProblem>[];
  const text = problems.length > 0 && problems.every((p) => typeof p.message === 'string')
    ? problems.map((p) => `${(p.path ?? '').replace(/^faults\[0\]\.?/, 'attributes.') || 'attributes'}: ${p.message}`.replace(/\.$/, '')).join('; ')
    : error.message;
  return ERRORS.badRequestBody.with(text);
}
