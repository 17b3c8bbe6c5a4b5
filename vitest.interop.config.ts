// The checks against the Python reference stack (`npm run test:python`): slower, and they need .venv.
// Its files are the interop lane of scripts/testLanes.ts (`*.interop.test.ts`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testLanes } from './scripts/testLanes.ts';

export default defineConfig({
  test: {
    include: testLanes(fileURLToPath(new URL('.', import.meta.url))).interop,
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
