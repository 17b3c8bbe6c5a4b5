import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Two copies of tfjs in one bundle register every kernel twice ("kernel already registered").
  resolve: { dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
  },
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
