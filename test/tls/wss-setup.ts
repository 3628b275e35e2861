import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../src/tls/ca.js';

/** vitest.wss.config.ts: a fresh test CA, trusted by every worker (Node reads NODE_EXTRA_CA_CERTS at start). */
export default async function setup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wsfault-wss-ca-'));
  const ca = await loadOrCreateCa(dir);
  process.env.WSFAULT_TEST_TLS = dir;
  process.env.NODE_EXTRA_CA_CERTS = ca.certPath;
}
