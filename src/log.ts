import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';
export type { Logger };

/**
 * Logs go to stderr so stdout keeps only what a user reads or a script parses (the banner,
 * command output). Pretty printing runs in-process: a transport worker would slow start-up.
 */
export function createLogger(level: string, format: LogFormat = process.stderr.isTTY ? 'pretty' : 'json'): Logger {
  const options = { level, base: undefined };
  if (format === 'json') return pino(options, pino.destination({ dest: 2, sync: true }));
  return pino(options, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
