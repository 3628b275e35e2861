import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { attemptWs } from '../helpers/ws-client.js';

/** What one client saw when it tried to open a WebSocket. */
export interface ClientOutcome {
  opened: boolean;
  /** ws: the error message; Chromium: the console's reason; Python: the exception class. */
  error: string | null;
  closeCode: number | null;
  status?: number | null;
  openedAfterMs?: number | null;
  detail?: string;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PYTHON = process.env.WSFAULT_PYTHON ?? '/usr/bin/python3';

/** The flags this machine needs (closed network, root, no GPU), as the env notes say. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** `home`: a HOME whose NSS database ($HOME/.pki/nssdb) Chromium trusts (the TLS suite's test CA). */
export async function launchChromium(options: { home?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH. This suite needs a real browser and does not skip.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...(options.home ? { env: { ...process.env, HOME: options.home } as Record<string, string> } : {}) });
}

export { attemptWs };

/** Opens a WebSocket in a fresh page; the reason comes from the console, as a developer sees it. */
export async function attemptChromium(browser: Browser, url: string, protocols: string[] = [], timeoutMs = 15_000): Promise<ClientOutcome> {
  const page = await browser.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  try {
    // A string, not a function: the test runner rewrites this module's identifiers (WebSocket
    // is imported from ws here), and the page must use the browser's own WebSocket.
    const result = (await page.evaluate(`new Promise((resolve) => {
      const started = performance.now();
      const state = { opened: false, errored: false, closeCode: null, openedAfterMs: null };
      const ws = new WebSocket(${JSON.stringify(url)}, ${JSON.stringify(protocols)});
      ws.onopen = () => { state.opened = true; state.openedAfterMs = Math.round(performance.now() - started); ws.close(1000); };
      ws.onerror = () => { state.errored = true; };
      ws.onclose = (event) => resolve({ ...state, closeCode: event.code });
      setTimeout(() => resolve(state), ${timeoutMs});
    })`)) as { opened: boolean; errored: boolean; closeCode: number | null; openedAfterMs: number | null };
    // The console line looks like: WebSocket connection to 'ws://…' failed: Error during WebSocket handshake: Unexpected response code: 426
    const line = console.find((text) => text.includes('WebSocket connection to'));
    const reason = line?.replace(/^.*failed: /, '').replace(/^Error during WebSocket handshake: /, '') ?? null;
    return { opened: result.opened, error: result.errored ? reason ?? '(error without a console message)' : null, closeCode: result.closeCode, openedAfterMs: result.openedAfterMs };
  } finally {
    await page.close();
  }
}

const PY_CLIENT = fileURLToPath(new URL('./py_client.py', import.meta.url));

export function attemptPython(url: string, options: { subprotocols?: string[]; openTimeoutS?: number; cafile?: string } = {}): Promise<ClientOutcome> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3-websockets (apt-get install python3-websockets).`);
  const args = [PY_CLIENT, url, '--open-timeout', String(options.openTimeoutS ?? 10)];
  if (options.cafile) args.push('--cafile', options.cafile);
  for (const p of options.subprotocols ?? []) args.push('--subprotocol', p);
  return new Promise((resolve, reject) =>
    execFile(PYTHON, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`python client failed: ${stderr || error.message}`));
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as { opened: boolean; exception: string | null; status: number | null; message: string | null; openedAfterMs?: number };
      resolve({ opened: r.opened, error: r.exception, status: r.status, closeCode: null, openedAfterMs: r.openedAfterMs ?? null, detail: r.message ?? undefined });
    }),
  );
}

const PY_HEARTBEAT = fileURLToPath(new URL('./py_heartbeat.py', import.meta.url));

/** A Python client with a 1 s keepalive: how its connection ended. */
export function pythonKeepalive(url: string): Promise<{ code: number | null; reason: string | null; exception: string | null }> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3-websockets (apt-get install python3-websockets).`);
  return new Promise((resolve, reject) =>
    execFile(PYTHON, [PY_HEARTBEAT, url], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`python client failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    }),
  );
}

/** Opens a WebSocket in a page, optionally sends one text message, and reports how it closed. */
export async function chromiumSession(browser: Browser, url: string, send: string | null, timeoutMs = 10_000) {
  const page = await browser.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  try {
    const result = (await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(url)});
      const state = { opened: false, errored: false, code: null, reason: null };
      ws.onopen = () => { state.opened = true; if (${JSON.stringify(send)} !== null) ws.send(${JSON.stringify(send)}); };
      ws.onerror = () => { state.errored = true; };
      ws.onclose = (e) => resolve({ ...state, code: e.code, reason: e.reason });
      setTimeout(() => resolve(state), ${timeoutMs});
    })`)) as { opened: boolean; errored: boolean; code: number | null; reason: string | null };
    return { ...result, console: console.filter((t) => t.includes('WebSocket')) };
  } finally {
    await page.close();
  }
}
