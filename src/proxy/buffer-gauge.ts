/**
 * The most bytes one direction of one connection has held at once to let message faults see a
 * message whole, since the process started (or `peak` was reset). Two numbers' worth of cost; the
 * tests and bench/message-memory.mjs read it to check the --max-message-buffer bound.
 */
export const messageBuffers = { peak: 0 };

export function noteHeld(bytes: number): void {
  if (bytes > messageBuffers.peak) messageBuffers.peak = bytes;
}
