// Loaded when the cap is set, after the proxy listens: node:v8 and node:perf_hooks are ~5 M
// instructions of start-up that the first accept does not need (docs/PERFORMANCE.md, "Start-up").
import { nodePerfHooks, nodeV8 as v8 } from '../node-builtins.js';

/**
 * The most V8's new space may grow to in a proxy process: two semi-spaces of 4 MiB (issue #13).
 *
 * V8 doubles the semi-spaces (up to 16 MiB each on 64-bit) whenever more than their size survived
 * scavenges since the last growth. Opening thousands of WebSockets does exactly that (each keeps
 * a few KiB), so after a burst the new space is 32 MiB, resident, and never shrinks while the
 * process idles (it shrinks only at a GC with a low allocation rate, and an idle proxy runs none).
 * Stopping at 4 MiB keeps 10 000 idle WebSockets ~24 MiB smaller and also leaves less garbage in
 * old space than semi-spaces kept at their 1–2 MiB start (a handshake's short-lived objects
 * would outlive two scavenges and be promoted): docs/PERFORMANCE.md, "10 000 idle WebSockets".
 */
export const SEMI_SPACE_CAP_BYTES = 4 * 1024 * 1024;

const NEW_SPACE = 'new_space';

/** Both semi-spaces, as V8 reports the new space's size. */
function newSpaceBytes(): number {
  return v8().getHeapSpaceStatistics().find((s) => s.space_name === NEW_SPACE)?.space_size ?? 0;
}

/** Node options that size the young generation themselves: then the user's choice stands. */
function sizedByUser(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((a) => /^--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/.test(a.replace(/_/g, '-')));
}

/**
 * Caps the new space at two semi-spaces of `SEMI_SPACE_CAP_BYTES` for the rest of the process.
 * `--max-semi-space-size` would do it, but only on node's command line (V8 sizes the heap when
 * the isolate is made), which `wsfault`'s bin, `node dist/cli/main.js` and the Docker image do
 * not share; V8 reads its growth factor at every growth, though, so setting it to 1 once the
 * new space reached the cap stops it there. Checked after each GC until then (a GC is when V8
 * grows it), then the observer is gone. For the CLI's proxy only: a library never changes the
 * flags of the process it is loaded into.
 */
export function capYoungGeneration(capBytes = SEMI_SPACE_CAP_BYTES): void {
  if (sizedByUser()) return;
  const stop = () => v8().setFlagsFromString('--semi-space-growth-factor=1');
  if (newSpaceBytes() >= 2 * capBytes) return stop();
  const { PerformanceObserver } = nodePerfHooks();
  const observer = new PerformanceObserver(() => {
    if (newSpaceBytes() < 2 * capBytes) return;
    stop();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
