import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built CLI (`npm test` builds first) or any command, capturing its output. */
export function spawnCli(args: string[], options: { command?: string; detached?: boolean; env?: Record<string, string> } = {}): Spawned {
  const env = { ...process.env, ...options.env };
  const child = options.command
    ? spawn(options.command, args, { cwd: ROOT, detached: options.detached, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)), timeoutMs);
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            resolve(m);
          }
        };
        child.stdout!.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited before ${pattern}; stdout: ${out} stderr: ${err}`));
        });
        check();
      });
    },
  };
}

/** Runs the CLI and remembers the process, so `killAll()` in afterEach leaves none behind. */
export function cliRunner() {
  const running: Spawned[] = [];
  return {
    run(args: string[], options?: { command?: string; detached?: boolean; env?: Record<string, string> }): Spawned {
      const p = spawnCli(args, options);
      running.push(p);
      return p;
    },
    killAll(): void {
      for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    },
  };
}
