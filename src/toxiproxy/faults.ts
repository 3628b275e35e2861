/**
 * Transport faults with Toxiproxy's exact meaning, where no built-in fault has it. They are
 * registered (registerFault) when the Toxiproxy API starts, so a proxy's fault list in the
 * wsfault API shows them like any other fault. Each acts on one direction, as a toxic does.
 */
import Type from '../schema/type.js';
import { Choice } from '../faults/common.js';
import { defineFault, ms } from '../faults/define.js';
import type { Direction, Piece, Stage, TransportControl } from '../faults/hooks.js';
import { faultByType, registerFault } from '../faults/index.js';
import { Duration } from '../scenario/units.js';

const Stream = () => Choice(['upstream', 'downstream'] as const, { default: 'downstream', description: 'upstream (client→server) or downstream (server→client)' });
const only = (direction: Direction, stage: Stage) => ({ [direction]: stage });
const pass: Stage = (piece) => [piece];

/** Toxiproxy's hidden first link of every chain: nothing changes, but a toxic added later reaches open connections. */
export const toxiproxyNoop = defineFault({
  type: 'toxiproxy-noop',
  layer: 'transport',
  summary: 'passes every byte unchanged (keeps connections ready for toxics added later)',
  params: Type.Object({}),
  explain: () => 'passes every byte unchanged',
  create: () => ({ stages: { upstream: pass, downstream: pass } }),
});

/** slow_close: data passes; the close (FIN or RST) from the source is held for `delay`, then the connection is closed. */
export const toxiproxySlowClose = defineFault({
  type: 'toxiproxy-slow-close',
  layer: 'transport',
  summary: 'holds the close of one direction for `delay`, then closes (Toxiproxy slow_close)',
  params: Type.Object({ delay: Duration({ description: 'how long the close is held' }), direction: Stream() }),
  explain: (p) => `holds the close ${p.direction} for ${ms(p.delay)}`,
  create: (p, ctx) => {
    let control: TransportControl | null = null;
    let timer: NodeJS.Timeout | null = null;
    const stage: Stage = Object.assign((piece: Piece) => [piece], {
      holdsEnd: () => {
        timer ??= setTimeout(() => {
          ctx.applied({ delayMs: p.delay });
          control?.kill('fin');
        }, p.delay);
        return true;
      },
    });
    return {
      stages: only(p.direction, stage),
      start: (c) => {
        control = c;
        return () => {
          if (timer) clearTimeout(timer);
        };
      },
    };
  },
});

/** timeout: drops every byte of one direction; closes the connection `timeout` after it began (0: never). */
export const toxiproxyTimeout = defineFault({
  type: 'toxiproxy-timeout',
  layer: 'transport',
  summary: 'drops every byte of one direction, closes after `timeout` (0: never) (Toxiproxy timeout)',
  params: Type.Object({ timeout: Duration({ description: 'time until the close; 0: never' }), direction: Stream() }),
  explain: (p) => `drops everything ${p.direction}${p.timeout > 0 ? `, closes after ${ms(p.timeout)}` : ''}`,
  create: (p, ctx) => ({
    stages: only(p.direction, () => []),
    start: (control) => {
      ctx.applied({ timeoutMs: p.timeout });
      if (p.timeout <= 0) return;
      const timer = setTimeout(() => control.kill('fin'), p.timeout);
      return () => clearTimeout(timer);
    },
  }),
});

/** reset_peer: the first chunk of one direction is discarded; `timeout` later both sides get a RST. */
export const toxiproxyResetPeer = defineFault({
  type: 'toxiproxy-reset-peer',
  layer: 'transport',
  summary: 'RST both sides `timeout` after the first data of one direction, which is discarded (Toxiproxy reset_peer)',
  params: Type.Object({ timeout: Duration({ description: 'wait after the first data' }), direction: Stream() }),
  explain: (p) => `resets the connection ${ms(p.timeout)} after the first data ${p.direction}`,
  create: (p, ctx) => {
    let control: TransportControl | null = null;
    let triggered = false;
    // Like Toxiproxy's uninterruptible sleep: once triggered, the reset happens even if the toxic goes.
    const stage: Stage = () => {
      if (!triggered) {
        triggered = true;
        ctx.applied({ timeoutMs: p.timeout });
        setTimeout(() => control?.kill('rst'), p.timeout);
      }
      return [];
    };
    return { stages: only(p.direction, stage), start: (c) => void (control = c) };
  },
});

/**
 * slicer: Toxiproxy's recursive halving. A chunk longer than average+variation is cut in the
 * middle (± variation) and each half again, until no piece is; pieces leave `delay` µs apart.
 */
export function slicerCuts(start: number, end: number, average: number, variation: number, random: () => number): number[] {
  if (end - start - average <= variation) return [start, end];
  let mid = start + Math.floor((end - start) / 2);
  if (variation > 0) mid += Math.floor(random() * variation * 2) - variation;
  return [...slicerCuts(start, mid, average, variation, random), ...slicerCuts(mid, end, average, variation, random)];
}

export const toxiproxySlicer = defineFault({
  type: 'toxiproxy-slicer',
  layer: 'transport',
  summary: 'cuts each read into pieces of about averageSize bytes, delayUs apart (Toxiproxy slicer)',
  params: Type.Object({
    averageSize: Type.Integer({ minimum: 1, description: 'average piece size (bytes)' }),
    sizeVariation: Type.Integer({ minimum: 0, default: 0, description: 'spread of the cut point (bytes)' }),
    delayUs: Type.Number({ minimum: 0, default: 0, description: 'pause after each piece (µs)' }),
    direction: Stream(),
  }),
  explain: (p) => `cuts reads ${p.direction} into ~${p.averageSize}-byte pieces ${p.delayUs} µs apart`,
  check: (p) => (p.sizeVariation >= p.averageSize ? [{ key: 'sizeVariation', message: 'must be smaller than averageSize' }] : []),
  create: (p, ctx) => {
    const random = ctx.stream(p.direction);
    const gap = p.delayUs / 1000;
    let last = 0;
    let reported = false;
    const stage: Stage = (piece) => {
      const cuts = slicerCuts(0, piece.chunk.length, p.averageSize, p.sizeVariation, random);
      let at = Math.max(last, piece.at);
      const out: Piece[] = [];
      for (let i = 1; i < cuts.length; i += 2) {
        if (cuts[i]! > cuts[i - 1]!) out.push({ chunk: piece.chunk.subarray(cuts[i - 1], cuts[i]), at });
        at += gap;
      }
      last = at;
      if (!reported && out.length > 1) {
        reported = true;
        ctx.applied({ averageSize: p.averageSize });
      }
      return out;
    };
    return { stages: only(p.direction, stage) };
  },
});

export const TOXIPROXY_FAULTS = [toxiproxyNoop, toxiproxySlowClose, toxiproxyTimeout, toxiproxyResetPeer, toxiproxySlicer];

/** Registers them once per process (several wsfault instances may start the API). */
export function registerToxiproxyFaults(): void {
  for (const fault of TOXIPROXY_FAULTS) if (!faultByType(fault.type)) registerFault(fault);
}
