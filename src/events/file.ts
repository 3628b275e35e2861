import { createWriteStream } from 'node:fs';
import type { EventBus } from './bus.js';

/** `--events-file`: appends every event as one JSON line (NDJSON). Returns the stop. */
export function writeEventsTo(bus: EventBus, file: string): () => Promise<void> {
  const out = createWriteStream(file, { flags: 'a' });
  out.on('error', () => {}); // a full disk must not take the proxy down
  const unsubscribe = bus.subscribe((event) => out.write(JSON.stringify(event) + '\n'));
  return () =>
    new Promise((resolve) => {
      unsubscribe();
      out.end(() => resolve());
    });
}
