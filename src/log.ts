import { createRequire } from 'node:module';
import type { Logger } from 'pino';

export type LogFormat = 'pretty' | 'json';
export type { Logger };

/** pino's numeric levels: a call below the configured level writes nothing. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * Logs go to stderr so stdout keeps only what a user reads or a script parses (the banner,
 * command output). Pretty printing runs in-process: a transport worker would slow start-up.
 * JSON logs load pino at the first line actually written (a proxy started with
 * `--log-level warn` usually writes none): pino is ~55 ms of start-up.
 */
export async function createLogger(level: string, format: LogFormat = process.stderr.isTTY ? 'pretty' : 'json'): Promise<Logger> {
  const options = { level, base: undefined };
  if (format === 'json') {
    return lazy(level, () => {
      const pino = createRequire(import.meta.url)('pino') as typeof import('pino');
      return pino.default(options, pino.destination({ dest: 2, sync: true }));
    });
  }
  const { default: pino } = await import('pino');
  const { default: pretty } = await import('pino-pretty');
  return pino(options, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}

/** A Logger that makes the real one when a line passes the level, or anything else is asked of it. */
function lazy(level: string, make: () => Logger): Logger {
  let real: Logger | null = null;
  const threshold = LEVELS[level] ?? Infinity; // silent
  const noop = () => {};
  return new Proxy({} as Logger, {
    get(_target, key) {
      // `await createLogger()` asks every value for `then`: answering it would load pino at once.
      if (key === 'then') return undefined;
      if (typeof key === 'string' && key in LEVELS && LEVELS[key]! < threshold && !real) return noop;
      real ??= make();
      const value = Reflect.get(real, key, real) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
    },
  });
}
