/**
 * Releases callbacks in the order they were added, each no earlier than its time. One timer for
 * the head: separate timers could fire out of order, since Node rounds their delays to whole
 * milliseconds.
 */
export class ReleaseQueue {
  private items: { at: number; release: () => void }[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  add(at: number, release: () => void): void {
    this.items.push({ at, release });
    if (!this.timer) this.pump();
  }

  private pump = (): void => {
    this.timer = null;
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      const wait = item.at - performance.now();
      if (wait > 0.5) {
        this.timer = setTimeout(this.pump, wait);
        return;
      }
      this.head++;
      item.release();
    }
    // Drained: start a fresh array rather than shifting (shift is O(n) per item).
    this.items = [];
    this.head = 0;
  };
}
