import { defineConfig } from 'vitest/config';

/**
 * `npm run test:container`: builds the image with podman and runs it (docs/DOCKER.md). Not part
 * of `npm test`: it needs podman and a node:22-slim base image (shared/tools/node-base-image.sh).
 */
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    testTimeout: 120_000,
    // The image build: about 4 minutes from scratch on a busy two-core machine, seconds when cached.
    hookTimeout: 900_000,
    maxWorkers: 1,
  },
});
