import { defineConfig } from 'vitest/config';

/**
 * The built-in scenario suites once more over wss:// (SPEC §10: every handshake, transport and
 * message fault works over TLS too). test/tls/wss-setup.ts makes a test CA and trusts it through
 * NODE_EXTRA_CA_CERTS before the workers start; test/helpers/app.ts then starts wsfault with --tls.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/handshake-ws.test.ts', 'test/messages/built-ins.test.ts', 'test/transport/built-ins.test.ts'],
    globalSetup: ['test/tls/wss-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    maxWorkers: 2,
  },
});
