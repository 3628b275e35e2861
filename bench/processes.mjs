// What the benches that run wsfault, the upstream and the load client as processes of their own
// share (bench/switching.mjs, bench/sse.mjs, bench/idle-heap.mjs): starting node with as many file
// descriptors as the machine allows, free ports, readiness, a child's first IPC message, and the
// /proc readings (CPU ticks, RSS).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';

/** `node ...args` under the highest file limit the shell may set (thousands of sockets per process). */
export const node = (args, options) => spawn('bash', ['-c', ULIMIT, process.execPath, ...args], options);
export const wait = (ms) => new Promise((r) => setTimeout(r, ms));
export const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => r(port)); }); });
export const accepts = (port) => new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true))); s.on('error', () => r(false)); });
/** The child's first IPC message; rejects if it exits first. */
export const message = (child) => new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', (code) => reject(new Error(`exited ${code}`))); });
/** CPU time of a process so far, user + system, in 10 ms ticks. */
export const ticks = (pid) => { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
/** The first child process of `pid` found in /proc (nginx's worker, a child of its master), or null. */
export const childOf = (pid) => readdirSync('/proc').find((p) => /^\d+$/.test(p) && parentOf(p) === pid) ?? null;
const parentOf = (pid) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1; // gone meanwhile
  }
};
export const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/**
 * Waits until every port accepts, or throws with the reason: the child exited, or `ms` went by.
 * A bench that waited on a proxy that never listens would wait without end.
 */
export async function listening(child, ports, ms = 30_000) {
  let exited = null;
  const onExit = (code, signal) => (exited = `exited ${code ?? signal}`);
  child.once('exit', onExit);
  try {
    for (const started = performance.now(); ; await wait(20)) {
      let all = true;
      for (const port of ports) all &&= await accepts(port);
      if (all) return;
      if (exited || performance.now() - started > ms) throw new Error(`the proxy ${exited ?? `did not listen within ${ms / 1000} s`}`);
    }
  } finally {
    child.off('exit', onExit);
  }
}
