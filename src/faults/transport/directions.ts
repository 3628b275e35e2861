import type { Direction, Stage } from '../hooks.js';

/** Builds one stage per direction the fault covers (each with its own state and random stream). */
export function perDirection(direction: Direction | 'both', make: (direction: Direction) => Stage): { upstream?: Stage; downstream?: Stage } {
  return {
    ...(direction !== 'downstream' ? { upstream: make('upstream') } : {}),
    ...(direction !== 'upstream' ? { downstream: make('downstream') } : {}),
  };
}

/** Wraps a stage so the fault reports itself once, when it first shapes traffic. */
export function reportOnce(stage: Stage, applied: () => void): Stage {
  let reported = false;
  return (piece) => {
    if (!reported) {
      reported = true;
      applied();
    }
    return stage(piece);
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `base ± jitter`, never below zero, from a seeded stream. */
export function jittered(base: number, jitter: number, random: () => number): number {
  return Math.max(0, base + (jitter > 0 ? jitter * (2 * random() - 1) : 0));
}
