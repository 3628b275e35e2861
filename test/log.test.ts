/**
 * JSON logs load pino only when a line passes the level (src/log.ts). What reaches stderr must
 * be what pino writes: the lines at or above the level, as pino's JSON, and nothing below it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** stderr lines of a Node process that makes a JSON logger at `level` from dist/ and runs `script`. */
function lines(level: string, script: string): string[] {
  const code = `const { createLogger } = await import(${JSON.stringify(new URL('../dist/log.js', import.meta.url).href)});
const logger = await createLogger(${JSON.stringify(level)}, 'json');
${script}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return child.stderr.split('\n').filter(Boolean);
}

describe('JSON logger', () => {
  it('writes lines at or above the level as pino JSON, and nothing below', () => {
    const out = lines('warn', `logger.debug('d'); logger.info({ a: 1 }, 'i'); logger.warn('w'); logger.error({ err: new Error('boom') }, 'e');`);
    expect(out).toHaveLength(2);
    const [warn, error] = out.map((l) => JSON.parse(l));
    expect(warn).toMatchObject({ level: 40, msg: 'w' });
    expect(typeof warn.time).toBe('number');
    expect(error).toMatchObject({ level: 50, msg: 'e', err: { type: 'Error', message: 'boom' } });
  });

  it('loads pino only when a line passes the level, not when the logger is awaited', () => {
    const pinoLoaded = `const Module = (await import('node:module')).default;
console.error(JSON.stringify({ pino: Object.keys(Module._cache).some((k) => k.includes('/node_modules/pino/')) }));`;
    expect(lines('warn', `logger.info('below the level'); ${pinoLoaded}`).map((l) => JSON.parse(l))).toEqual([{ pino: false }]);
    expect(lines('warn', `logger.warn('w'); ${pinoLoaded}`).map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 40 }), { pino: true }]);
  });

  it('at info, info lines with their fields are written; silent writes none', () => {
    expect(lines('info', `logger.info({ signal: 'SIGTERM' }, 'shutting down');`).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 30, signal: 'SIGTERM', msg: 'shutting down' }),
    ]);
    expect(lines('silent', `logger.fatal('f'); logger.error('e');`)).toEqual([]);
  });

  it('anything else asked of it is the real pino logger', () => {
    expect(lines('warn', `const child = logger.child({ proxy: 'p' }); child.warn('c'); console.error(JSON.stringify({ level: logger.level }));`).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, proxy: 'p', msg: 'c' }),
      { level: 'warn' },
    ]);
  });
});
