import { defineConfig } from 'vitest/config';

/**
 * `npm run test:clients`: real clients (CI installs them with apt-get and npm): Chromium, Python
 * websockets, socket.io-client, partysocket, reconnecting-websocket, undici 7, Node's global
 * WebSocket and gorilla/websocket. `npm run docs:clients` also writes docs/clients.md.
 */
export default defineConfig({
  test: {
    include: ['test/clients/**/*.test.ts'],
    globalSetup: ['test/clients/global-docs.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    // round2-matrix.test.ts runs its cells concurrently: they mostly wait on timers and sockets.
    maxConcurrency: 12,
  },
});
