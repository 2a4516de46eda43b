import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // CDK synthesis with real esbuild bundling and the child-process test take seconds, not ms.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup/matchers.ts'],
  },
});
