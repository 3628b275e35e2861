import pino, { type Logger } from 'pino';

export type LogFormat = 'pretty' | 'json';
export type { Logger };

/**
 * Logs go to stderr so stdout keeps only what a user reads or a script parses (the banner,
 * command output). Pretty printing runs in-process: a transport worker would slow start-up.
 */
export async function createLogger(level: string, format: LogFormat = process.stderr.isTTY ? 'pretty' : 'json'): Promise<Logger> {
  const options = { level, base: undefined };
  if (format === 'json') return pino(options, pino.destination({ dest: 2, sync: true }));
  const { default: pretty } = await import('pino-pretty');
  return pino(options, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
