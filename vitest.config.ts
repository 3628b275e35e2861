import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // test:clients needs Chromium and Python, test:container podman: each has its own config.
    exclude: ['test/clients/**', 'test/container/**', 'node_modules/**'],
    // fast-check's cases come from one seed (FC_SEED overrides it), like the proxy's PRNG.
    setupFiles: ['test/helpers/fast-check-seed.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real sockets and timing tolerances: two cores, so do not oversubscribe.
    maxWorkers: 2,
  },
});
