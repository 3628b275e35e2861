import type { Direction, MessageHeader, MessageVerdict } from '../faults/hooks.js';
import type { FaultInstance } from './fault-instances.js';

type Verdict<A extends MessageVerdict['action']> = Extract<MessageVerdict, { action: A }>;

/** What the active faults decided for one data message at its first frame header. */
export interface MessageDecision {
  /** Re-framings to apply as it streams, in fault order. */
  reframes: Verdict<'reframe'>[];
  /** A fault drops it; the faults after that one are not asked. */
  drop: Verdict<'drop'> | null;
  /** A fault needs it whole: which one (faults after it see the message through `onUnit`). */
  collect: { index: number; fault: FaultInstance<'messages'>; verdict: Verdict<'collect'> } | null;
}

/**
 * Asks the faults from `from` on, in scenario order, until one drops the message or needs it
 * whole. A fault without `decide` needs every data message whole for its `onUnit`.
 */
export function decideMessage(
  faults: FaultInstance<'messages'>[],
  header: MessageHeader,
  direction: Direction,
  from = 0,
  into: MessageDecision = { reframes: [], drop: null, collect: null },
): MessageDecision {
  for (let i = from; i < faults.length; i++) {
    const fault = faults[i]!;
    const { decide, onUnit } = fault.hooks;
    const verdict: MessageVerdict = decide ? decide(header, direction) : { action: 'collect', onMessage: (unit, next) => onUnit!(unit, direction, next) };
    switch (verdict.action) {
      case 'pass':
        continue;
      case 'reframe':
        into.reframes.push(verdict);
        continue;
      case 'drop':
        into.drop = verdict;
        return into;
      case 'collect':
        into.collect = { index: i, fault, verdict };
        return into;
    }
  }
  return into;
}

/**
 * The message outgrew the buffer while a fault wanted it whole. That fault gets its `tooLarge`
 * verdict; without one it lets the message pass and `skipped` reports it. The faults after it
 * then decide from the header as they would have; one that needs the message whole is skipped
 * the same way.
 */
export function overflowMessage(decision: MessageDecision, faults: FaultInstance<'messages'>[], header: MessageHeader, direction: Direction, skipped: (fault: FaultInstance<'messages'>) => void): void {
  while (decision.collect) {
    const { index, fault, verdict } = decision.collect;
    decision.collect = null;
    const fallback = verdict.tooLarge;
    if (fallback?.action === 'drop') {
      decision.drop = fallback;
      return;
    }
    if (fallback?.action === 'reframe') decision.reframes.push(fallback);
    else if (fallback?.action !== 'pass') skipped(fault);
    decideMessage(faults, header, direction, index + 1, decision);
  }
}
