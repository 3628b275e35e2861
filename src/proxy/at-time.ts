/**
 * Runs `act` once performance.now() has reached `time`; returns its cancel. Node's timers count
 * whole milliseconds and may fire up to ~1.5 ms early by performance.now() (measured), so aim
 * again rather than act while the moment `time` marks (a fault's `after`, the end of its `for`)
 * is still ahead. performance.now(), not Date.now(): a wall clock set back or forward by NTP
 * would move every scheduled fault with it.
 */
export function atTime(time: number, act: () => void): () => void {
  let timer: NodeJS.Timeout;
  const fire = () => {
    const wait = time - performance.now();
    if (wait > 0) timer = setTimeout(fire, wait);
    else act();
  };
  timer = setTimeout(fire, Math.max(0, time - performance.now()));
  return () => clearTimeout(timer);
}
