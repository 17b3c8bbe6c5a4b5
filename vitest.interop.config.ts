// The checks against the Python reference stack (`npm run test:python`): slower, and they need .venv.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.interop.test.ts', 'cli/**/*.interop.test.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
