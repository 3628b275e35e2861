import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, Lifecycle, TRANSITIONS, type ConnectionState } from '../../src/proxy/lifecycle.js';
import { CONNECTION_STATES } from '../../src/wire.js';

/** Walks a fresh lifecycle along `path` (from head). */
function walk(...path: ConnectionState[]): Lifecycle {
  const lifecycle = new Lifecycle();
  for (const state of path) lifecycle.to(state);
  return lifecycle;
}

/** A path from head that reaches `state` using only legal moves. */
const REACH: Record<ConnectionState, ConnectionState[]> = {
  head: [],
  http: ['http'],
  handshake: ['handshake'],
  websocket: ['handshake', 'websocket'],
  tunnel: ['tunnel'],
  closing: ['closing'],
  closed: ['closed'],
};

describe('connection state table', () => {
  it('covers every state the API reports, and only those', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...CONNECTION_STATES].sort());
  });

  it('is the table the lifecycle documents', () => {
    expect(TRANSITIONS).toEqual({
      head: ['http', 'handshake', 'tunnel', 'closing', 'closed'],
      http: ['handshake', 'closing', 'closed'],
      handshake: ['websocket', 'tunnel', 'closing', 'closed'],
      websocket: ['closing', 'closed'],
      tunnel: ['closing', 'closed'],
      closing: ['closing', 'closed'],
      closed: [],
    });
  });

  for (const from of CONNECTION_STATES) {
    for (const to of CONNECTION_STATES) {
      const legal = TRANSITIONS[from].includes(to);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        const lifecycle = walk(...REACH[from]);
        expect(lifecycle.state).toBe(from);
        if (legal) {
          lifecycle.to(to);
          expect(lifecycle.state).toBe(to);
        } else {
          expect(() => lifecycle.to(to)).toThrow(IllegalTransitionError);
          expect(lifecycle.state).toBe(from);
        }
      });
    }
  }

  it('every state is reachable from head and every path ends in closed', () => {
    for (const state of CONNECTION_STATES) expect(walk(...REACH[state]).state).toBe(state);
    for (const state of CONNECTION_STATES) if (state !== 'closed') expect(TRANSITIONS[state]).toContain('closed');
  });

  it('ending is true from closing on', () => {
    expect(walk('handshake', 'websocket').ending).toBe(false);
    expect(walk('closing').ending).toBe(true);
    expect(walk('closing', 'closed').ending).toBe(true);
  });
});
