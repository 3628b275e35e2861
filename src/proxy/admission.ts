import type { Socket } from 'node:net';
import type { AdmissionVerdict } from '../faults/hooks.js';
import { HeadError } from '../protocol/http-head.js';
import type { FaultInstance } from './fault-instances.js';
import { HeadTimeoutError, PeerClosedError } from './head-reader.js';
import { writeResponse } from './responses.js';

/** Asks the transport faults in order whether to let a new connection in; the first verdict wins. */
export function admission(faults: FaultInstance<'transport'>[], open: () => number): AdmissionVerdict | null {
  for (const fault of faults) {
    const verdict = fault.hooks.admit?.(open());
    if (verdict) return verdict;
  }
  return null;
}

/**
 * The first request head could not be read: the client gets the status that says why (408 too
 * slow, 400/431 malformed), or nothing if it left. False when there is no one to answer.
 */
export function answerBadHead(client: Socket, error: Error): boolean {
  if (error instanceof PeerClosedError) {
    client.destroy();
    return false;
  }
  if (error instanceof HeadTimeoutError) writeResponse(client, 408, `wsfault: ${error.message}`);
  else if (error instanceof HeadError) writeResponse(client, error.status, `wsfault: ${error.message}`);
  else client.destroy();
  // Read on (and drop) what follows, so the client's FIN is seen and the connection ends.
  client.resume();
  return true;
}
