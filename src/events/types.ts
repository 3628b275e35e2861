/** The events of SPEC §6; their shapes live with the rest of the wire format (src/wire.ts). */
export type { ClientAddress, EventBase, EventFields, EventType, WsfaultEvent } from '../wire.js';
