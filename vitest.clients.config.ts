import { defineConfig } from 'vitest/config';

/** `npm run test:clients`: real Chromium and Python clients (CI installs them with apt-get). */
export default defineConfig({
  test: {
    include: ['test/clients/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
