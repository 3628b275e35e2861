import type { TObject } from '../schema/type.js';
import { WsfaultError } from '../errors.js';
import type { AnyFaultDefinition, FaultDefinition } from './define.js';
import type { Layer } from './hooks.js';
import { corruptAccept } from './handshake/corrupt-accept.js';
import { delayHandshake } from './handshake/delay-handshake.js';
import { dropHandshake } from './handshake/drop-handshake.js';
import { extensions } from './handshake/extensions.js';
import { hangHandshake } from './handshake/hang-handshake.js';
import { setHeaders } from './handshake/set-headers.js';
import { status } from './handshake/status.js';
import { stripUpgrade } from './handshake/strip-upgrade.js';
import { subprotocol } from './handshake/subprotocol.js';
import { closeFrame } from './messages/close-frame.js';
import { corruptMessages } from './messages/corrupt-messages.js';
import { delayMessages } from './messages/delay-messages.js';
import { dropHeartbeats } from './messages/drop-heartbeats.js';
import { dropMessages } from './messages/drop-messages.js';
import { duplicateMessages } from './messages/duplicate-messages.js';
import { fragmentMessages } from './messages/fragment-messages.js';
import { injectMessages } from './messages/inject-messages.js';
import { reorderMessages } from './messages/reorder-messages.js';
import { bandwidth } from './transport/bandwidth.js';
import { blackhole } from './transport/blackhole.js';
import { close } from './transport/close.js';
import { connectDelay } from './transport/connect-delay.js';
import { idleTimeout } from './transport/idle-timeout.js';
import { latency } from './transport/latency.js';
import { limitData } from './transport/limit-data.js';
import { maxConnections } from './transport/max-connections.js';
import { maxLifetime } from './transport/max-lifetime.js';
import { packetLoss } from './transport/packet-loss.js';
import { refuse } from './transport/refuse.js';
import { reset } from './transport/reset.js';
import { slice } from './transport/slice.js';
import { tlsCert } from './tls/tls-cert.js';
import { tlsDelay } from './tls/tls-delay.js';
import { tlsHandshake } from './tls/tls-handshake.js';

/** The fault types of SPEC §4, in catalogue order. */
const BUILT_IN: readonly AnyFaultDefinition[] = [
  // handshake
  status,
  stripUpgrade,
  corruptAccept,
  setHeaders,
  subprotocol,
  extensions,
  delayHandshake,
  hangHandshake,
  dropHandshake,
  // transport
  latency,
  bandwidth,
  packetLoss,
  slice,
  reset,
  close,
  blackhole,
  limitData,
  idleTimeout,
  maxLifetime,
  refuse,
  connectDelay,
  maxConnections,
  // messages
  dropMessages,
  delayMessages,
  duplicateMessages,
  reorderMessages,
  corruptMessages,
  closeFrame,
  dropHeartbeats,
  injectMessages,
  fragmentMessages,
  // tls
  tlsCert,
  tlsHandshake,
  tlsDelay,
] as unknown as AnyFaultDefinition[];

const registry: AnyFaultDefinition[] = [...BUILT_IN];
const types: string[] = registry.map((f) => f.type);
const BY_TYPE = new Map(registry.map((f) => [f.type, f]));
let version = 0;

/**
 * Every fault type of SPEC §4, in catalogue order, then any registered with registerFault().
 * This list is the one source for the scenario schema, `wsfault faults`, GET /faults and
 * docs/faults.md.
 */
export const FAULTS: readonly AnyFaultDefinition[] = registry;
export const FAULT_TYPES: readonly string[] = types;

export function faultByType(type: string): AnyFaultDefinition | undefined {
  return BY_TYPE.get(type);
}

/** Changes each time a fault is registered: schemas built from the registry rebuild then. */
export function registryVersion(): number {
  return version;
}

const TYPE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Adds a fault type of your own (docs/adding-a-fault.md): from then on scenarios, the API and
 * the catalogue know it like a built-in one. Nothing in the proxy needs to change: the fault's
 * hooks and declared capabilities are all the core looks at.
 */
export function registerFault<L extends Layer, P extends TObject>(definition: FaultDefinition<L, P>): void {
  if (!TYPE_NAME.test(definition.type)) throw new WsfaultError('WSFAULT_USAGE', `fault type "${definition.type}" must be lower-case words joined by hyphens`);
  if (BY_TYPE.has(definition.type)) throw new WsfaultError('WSFAULT_EXISTS', `a fault type "${definition.type}" exists already`);
  const erased = definition as unknown as AnyFaultDefinition;
  registry.push(erased);
  types.push(erased.type);
  BY_TYPE.set(erased.type, erased);
  version++;
}
