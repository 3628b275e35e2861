import type { AnyFaultDefinition } from './define.js';
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

/**
 * Every fault type of SPEC §4, in catalogue order. This list is the one source for the
 * scenario schema, `wsfault faults`, GET /faults and docs/faults.md.
 */
export const FAULTS: readonly AnyFaultDefinition[] = [
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
] as unknown as AnyFaultDefinition[];

const BY_TYPE = new Map(FAULTS.map((f) => [f.type, f]));

export function faultByType(type: string): AnyFaultDefinition | undefined {
  return BY_TYPE.get(type);
}

export const FAULT_TYPES: readonly string[] = FAULTS.map((f) => f.type);
