import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * The built page's Content-Security-Policy (docs/HOSTING.md explains each part). connect-src allows https anywhere
 * and http only on this machine, because the judge and model hosts are typed in at run time and a policy cannot be
 * widened after the page loads; a host can pin them (see the doc). WebAssembly (tfjs-wasm) needs 'wasm-unsafe-eval'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:* http://[::1]:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The policy as a <meta> in the built index.html (frame-ancestors only works as a header: see `preview`). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  // A test can start a dev server with an empty dependency cache (e2e/first-run.spec.ts) without touching the shared one.
  cacheDir: process.env.VITE_CACHE_DIR ?? 'node_modules/.vite',
  // `vite preview` serves the built page as a host should: the policy, plus frame-ancestors as a header.
  preview: { headers: { 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`, 'X-Content-Type-Options': 'nosniff' } },
  // Two copies of tfjs in one bundle register every kernel twice ("kernel already registered").
  resolve: { dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  worker: { format: 'es' },
  // The dependency scan starts at index.html and does not follow `new Worker(new URL(…))`: without these, the first
  // worker to load makes Vite optimize tfjs, papaparse, hyparquet … mid-session and reload the page, which kills a
  // newcomer's first run. Scanning the workers too finds everything they reach; `include` names the deep imports.
  optimizeDeps: {
    entries: ['index.html', 'src/worker/*Worker.ts'],
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'hyparquet',
      'hyparquet-compressors',
      'papaparse',
      'valibot',
      'idb',
      'zustand',
      'recharts',
    ],
  },
  build: {
    target: 'es2022',
  },
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.interop.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
