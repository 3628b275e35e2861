/**
 * The demo's tour: which scenarios it cycles through, and for the built-in ones whose timers are
 * made for real deployments (a restart 5 s after open, a reset after 10 s), quicker variants of
 * the same faults so that a stretch of a few seconds shows each client failing and recovering.
 * A name that is not in this table is taken from the scenario library as it is.
 */
export const DEFAULT_TOUR = ['passthrough', 'server-restart-1012', 'upgrade-required-426', 'connection-reset', 'refuse-first-3', 'passthrough'];

const QUICK: Record<string, object> = {
  'server-restart-1012': {
    name: 'server-restart-1012',
    description: 'The server restarts: every connection is closed with 1012 (Service Restart) 2 s after it opened (the demo\'s quick version; the built-in waits 5 s).',
    faults: [{ type: 'close-frame', code: 1012, reason: 'restarting', after: '2s' }],
  },
  'connection-reset': {
    name: 'connection-reset',
    description: 'The connection is reset (TCP RST) 2 s after it opened (the demo\'s quick version; the built-in waits 10 s).',
    faults: [{ type: 'reset', after: '2s' }],
  },
};

/** The scenario to use for a tour name: the quick variant when there is one, else the name. */
export function tourScenario(name: string): string | object {
  return QUICK[name] ?? name;
}

/** Parses `--scenarios a,b,c`; empty entries are ignored. */
export function parseTour(list: string | undefined): string[] {
  if (!list) return DEFAULT_TOUR;
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  return names.length > 0 ? names : DEFAULT_TOUR;
}
