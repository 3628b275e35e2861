import { RECONNECTING, type ClientName, type SessionEvent, type SessionPlan } from './matrix.js';

/**
 * Turns what a client's app saw (its events, in order) into one line: the text the matrix
 * asserts and docs/clients.md shows. Only what does not depend on timing goes in the text;
 * delays go in `timing` (shown in the docs, never asserted).
 *
 * The line is the first episode (from the start to the first close, disconnect or connection
 * error, with the events that came with it), then for reconnecting clients "⟳ retries" or
 * "⟳ reconnects → …" (what the app saw on the next connection that opened).
 */
export interface Observation {
  text: string;
  timing: string | null;
}

interface Token {
  t: number;
  text: string;
  terminal: boolean;
  open?: boolean;
  upgrade?: boolean;
}

const PROBE = /^p\d+$/;
const LATE = /^late\d+$/;
const BURST = /^m(\d+)$/;

const q = (s: unknown) => JSON.stringify(normalise(String(s)));
export const normalise = (s: string) => s.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');

function token(client: ClientName, e: SessionEvent): Omit<Token, 't'> | null {
  switch (e.type) {
    case 'open':
      if (client.startsWith('socketio')) return { text: 'connect', terminal: false, open: true };
      return { text: e.protocol ? `open (protocol ${e.protocol})` : 'open', terminal: false, open: true };
    case 'error': {
      if (client === 'gorilla') return { text: `${e.errType === '*errors.errorString' ? 'err' : String(e.errType)} ${q(e.message)}${e.status ? ` (resp ${e.status})` : ''}`, terminal: true };
      return { text: `error ${q(e.message)}${e.cause ? ` (${q(e.cause)})` : ''}`, terminal: true };
    }
    case 'close':
      if (client === 'gorilla') return { text: `CloseError ${q(e.message)}`, terminal: true };
      return { text: `close ${e.code}${e.reason ? ` ${q(e.reason)}` : ''}${e.wasClean === false ? ' unclean' : ''}`, terminal: true };
    case 'connect_error':
      return { text: `connect_error ${q(e.message)}${e.description !== undefined ? ` (${q(e.description)})` : ''}`, terminal: true };
    case 'disconnect':
      return { text: `disconnect ${q(e.reason)}${e.description ? ` (${q(e.description)})` : ''}`, terminal: true };
    case 'upgrade':
      return { text: 'upgrade to websocket', terminal: false, upgrade: true };
    case 'upgradeError':
      return { text: `upgradeError ${q(e.message)}`, terminal: false, upgrade: true };
    case 'crash':
      return { text: `CRASH: uncaught ${q(e.message)}`, terminal: true };
    case 'reconnect_attempt':
      return null;
    default:
      return { text: e.type, terminal: false };
  }
}

function messageToken(e: SessionEvent): string {
  if (e.binary) return `binary message (${e.size} bytes)`;
  if (e.invalidUtf8) return 'text message with invalid UTF-8';
  if (typeof e.data === 'string' && PROBE.test(e.data)) return 'echo';
  if (typeof e.data === 'string' && LATE.test(e.data)) return 'late echo';
  return `message ${q(e.data ?? `(${e.size} bytes)`)}`;
}

/** The burst m01…mNN as it came back: count, order, duplicates. */
function burstText(got: number[], of: number): string {
  const unique = new Set(got);
  const dups = got.length - unique.size;
  const inOrder = got.every((n, i) => i === 0 || n >= got[i - 1]!);
  const parts = [`${unique.size}/${of} back`];
  if (dups) parts.push(`${dups} twice`);
  if (unique.size > 1) parts.push(inOrder ? 'in order' : 'out of order');
  return parts.join(', ');
}

/** The burst without its counts: socket.io with default transports sends some of it by long-polling. */
function qualitative(got: number[], of: number): string {
  const unique = new Set(got);
  const parts = [unique.size === of ? 'all back' : 'some lost'];
  if (got.length > unique.size) parts.push('some twice');
  if (!got.every((n, i) => i === 0 || n >= got[i - 1]!)) parts.push('out of order');
  return parts.join(', ');
}

/**
 * The terminal tokens that belong together (a close and the error that says why, an error per
 * frame already read): the following terminal tokens of a kind not yet in the group, or within
 * 200 ms. Not by time alone: on a busy machine a process can stall between two events it
 * dispatches in one call.
 */
function groupEnd(tokens: Token[], start: number): number {
  const kinds = new Set([kind(tokens[start]!)]);
  let end = start;
  while (end + 1 < tokens.length && tokens[end + 1]!.terminal && (!kinds.has(kind(tokens[end + 1]!)) || tokens[end + 1]!.t - tokens[end]!.t <= 200)) {
    end++;
    kinds.add(kind(tokens[end]!));
  }
  return end;
}

const kind = (tok: Token) => tok.text.split(' ')[0]!;

/** Repeated neighbours become one token with ×n. */
function collapse(tokens: Token[]): Token[] {
  const out: (Token & { n: number })[] = [];
  for (const tok of tokens) {
    const last = out[out.length - 1];
    if (last && last.text === tok.text) last.n++;
    else out.push({ ...tok, n: 1 });
  }
  return out.map((tok) => ({ ...tok, text: tok.n > 1 ? `${tok.text} ×${tok.n}` : tok.text }));
}

/**
 * socket.io with default transports: whether the upgrade finishes before or after the CONNECT
 * packet's answer is a race, so the upgrade's outcome is put right after `connect`.
 */
function upgradeAfterConnect(tokens: Token[]): Token[] {
  const connect = tokens.findIndex((tok) => tok.open);
  const upgrade = tokens.findIndex((tok) => tok.upgrade);
  if (connect < 0 || upgrade < 0) return tokens;
  const rest = tokens.filter((_, i) => i !== upgrade);
  const at = rest.findIndex((tok) => tok.open);
  rest.splice(at + 1, 0, tokens[upgrade]!);
  return rest;
}

export function observe(client: ClientName, plan: SessionPlan, events: SessionEvent[], readyState: unknown, upgradesAtProxy: number, options: { burstCountVaries?: boolean; kind?: string; countsVary?: boolean; messagesInAnyOrder?: boolean } = {}): Observation {
  const tokens: Token[] = [];
  const burst: number[] = [];
  let burstAt = -1;
  for (const e of events) {
    if (e.type === 'message') {
      const m = typeof e.data === 'string' ? BURST.exec(e.data) : null;
      if (m) {
        if (burstAt < 0) {
          burstAt = tokens.length;
          tokens.push({ t: e.t, text: '(burst)', terminal: false });
        }
        burst.push(Number(m[1]));
        continue;
      }
      tokens.push({ t: e.t, text: messageToken(e), terminal: false });
      continue;
    }
    const tok = token(client, e);
    if (tok) tokens.push({ t: e.t, ...tok });
  }
  let burstNote: string | null = null;
  if (burstAt >= 0) {
    // Where a cut ends the stream (truncated-stream), how much got through depends on how reads
    // were chunked: only the docs get the count.
    if (options.burstCountVaries) {
      tokens[burstAt]!.text = 'burst echoed';
      burstNote = burstText(burst, plan.burst ?? 0);
    } else if (options.countsVary) {
      tokens[burstAt]!.text = qualitative(burst, plan.burst ?? 0);
      burstNote = burstText(burst, plan.burst ?? 0);
    } else tokens[burstAt]!.text = burstText(burst, plan.burst ?? 0);
  } else if (plan.burst) {
    const open = tokens.findIndex((tok) => tok.open);
    if (open >= 0) tokens.splice(open + 1, 0, { t: tokens[open]!.t, text: `0/${plan.burst} back`, terminal: false });
  }

  // The first episode: up to the first terminal token and whatever came with it (groupEnd).
  let end = tokens.findIndex((tok) => tok.terminal);
  if (end < 0) end = tokens.length - 1;
  else end = groupEnd(tokens, end);
  let first = tokens.slice(0, end + 1);
  if (options.messagesInAnyOrder) {
    // oversized-message: the probe's answer and the injected message race on a busy machine.
    const rank = (tok: Token) => (tok.text === 'echo' ? 0 : tok.text.startsWith('binary') ? 1 : -1);
    const msgs = first.filter((tok) => rank(tok) >= 0).sort((a, b) => rank(a) - rank(b));
    let k = 0;
    first = first.map((tok) => (rank(tok) >= 0 ? msgs[k++]! : tok));
  }
  let rest = tokens.slice(end + 1);
  const polling = client === 'socketio';
  if (polling) first = upgradeAfterConnect(first);

  const lateSent = plan.probeAtMs?.length && events.some((e) => e.type === 'open');
  const lateAnswered = events.some((e) => e.type === 'message' && typeof e.data === 'string' && LATE.test(e.data));
  const parts = [collapse(first).map((tok) => tok.text).join(' → ') || 'no event at all'];
  let timing: string | null = null;
  const terminalAt = first.length > 0 && first[first.length - 1]!.terminal ? first[first.length - 1]!.t : null;

  if (RECONNECTING.has(client)) {
    const nextEvent = events.find((e) => terminalAt !== null && e.t > terminalAt + 200);
    if (nextEvent && terminalAt !== null) timing = `next attempt ${((nextEvent.t - terminalAt) / 1000).toFixed(1)} s later`;
    const reopen = rest.findIndex((tok) => tok.open);
    if (reopen >= 0) {
      // After a reconnect the same fault may strike again, and whether before or after the
      // probe's answer is a race with a busy machine: what counts is whether a probe was answered
      // on some later connection. With `recovers` scenarios the failed attempts are the point.
      const answeredAgain = rest.slice(reopen).some((tok) => tok.text === 'echo');
      const openText = client.startsWith('socketio') ? 'connect' : 'open';
      const failedBefore = options.kind === 'recovers' && rest.slice(0, reopen).some((tok) => tok.terminal);
      if (answeredAgain) parts.push(`⟳ ${failedBefore ? 'retries, then' : 'reconnects →'} ${openText} → echo`);
      else {
        let again = rest.slice(reopen);
        const stop = again.findIndex((tok) => tok.terminal);
        if (stop >= 0) again = again.slice(0, groupEnd(again, stop) + 1);
        if (client.startsWith('socketio')) again = again.filter((tok) => !tok.upgrade);
        const againText = collapse(again).map((tok) => tok.text).join(' → ');
        const firstText = collapse(first).map((tok) => tok.text).join(' → ');
        parts.push(firstText.startsWith(againText) && again.some((tok) => tok.terminal) ? '⟳ reconnects, same again' : `⟳ reconnects → ${againText}`);
      }
      rest = [];
    } else if (rest.length > 0 || events.some((e) => e.type === 'reconnect_attempt' && terminalAt !== null && e.t >= terminalAt)) {
      parts.push('⟳ retries');
      rest = [];
    }
  } else if (rest.length > 0) {
    parts.push(collapse(rest).map((tok) => tok.text).join(' → '));
  }
  const text = [parts.join(' ')];
  if (lateSent && !lateAnswered && !tokens.some((tok) => tok.terminal)) text.push('late probe unanswered');
  if (polling && typeof readyState === 'string' && readyState.includes('polling') && !tokens.some((tok) => tok.upgrade)) text.push('stays on polling, no upgrade event');
  if (!RECONNECTING.has(client)) {
    if (client !== 'gorilla' && readyState === 0) text.push('readyState stays 0 (CONNECTING)');
    if (upgradesAtProxy > 1) text.push(`${upgradesAtProxy} upgrade requests`);
  }
  // Times from this run, for the docs only (child processes include their start-up).
  const notes: string[] = [];
  const opened = first.find((tok) => tok.open);
  if (opened && terminalAt !== null) notes.push(`ended ${((terminalAt - opened.t) / 1000).toFixed(1)} s after open`);
  else if (terminalAt !== null) notes.push(`after ${(terminalAt / 1000).toFixed(1)} s`);
  else if (opened) notes.push(`open after ${(opened.t / 1000).toFixed(1)} s`);
  if (timing) notes.push(timing);
  if (burstNote) notes.push(burstNote);
  timing = notes.join('; ') || null;
  return { text: text.join('; '), timing };
}
