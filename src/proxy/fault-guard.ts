import type { Stage } from '../faults/hooks.js';

type AnyFunction = (...args: never[]) => unknown;

/** Who hears what a hook threw: an object with a method, not a closure per connection (a switch with apply=all guards every open connection's hooks). */
export interface Failing {
  failed(error: unknown): void;
}

/**
 * Wraps every hook a fault's create() returned so that whatever it throws (or a promise it
 * returns rejects with) goes to `failed.failed` instead of up the stack: a hook runs inside socket
 * and timer callbacks, where an exception would otherwise be uncaught and take the whole
 * process, every other connection with it. The hook then acts as if absent (a stage passes
 * nothing on); the connection is reset by whoever handles `failed`.
 */
export function guardHooks<H extends object>(hooks: H, failed: Failing): H {
  const guarded: Record<string, unknown> = {};
  // for…in, not Object.entries: no pair arrays per hook (a switch with apply=all guards every open connection's hooks).
  for (const key in hooks) {
    if (!Object.prototype.hasOwnProperty.call(hooks, key)) continue;
    const value = (hooks as Record<string, unknown>)[key];
    if (key === 'stages' && value) guarded[key] = guardStages(value as Record<string, Stage | undefined>, failed);
    else if (typeof value === 'function') guarded[key] = guard(value as AnyFunction, failed, key === 'start');
    else guarded[key] = value;
  }
  return guarded as H;
}

function guardStages(stages: Record<string, Stage | undefined>, failed: Failing): Record<string, Stage> {
  const out: Record<string, Stage> = {};
  for (const [direction, stage] of Object.entries(stages)) {
    if (!stage) continue;
    const wrapped: Stage = (piece) => {
      try {
        return stage(piece);
      } catch (error) {
        failed.failed(error);
        return [];
      }
    };
    if (stage.holdsEnd) wrapped.holdsEnd = guard(stage.holdsEnd, failed) as (at: number) => boolean;
    out[direction] = wrapped;
  }
  return out;
}

/** `returnsStop`: the hook returns a stop function, which is guarded too. */
function guard(fn: AnyFunction, failed: Failing, returnsStop = false): AnyFunction {
  return (...args) => {
    try {
      const result = fn(...args);
      if (result instanceof Promise) return result.catch((error: unknown) => failed.failed(error));
      if (returnsStop && typeof result === 'function') return guard(result as AnyFunction, failed);
      return result;
    } catch (error) {
      failed.failed(error);
      return undefined;
    }
  };
}
