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
  // `vite preview` serves the built page as a host should: the policy, plus frame-ancestors as a header.
  preview: { headers: { 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`, 'X-Content-Type-Options': 'nosniff' } },
  // Two copies of tfjs in one bundle register every kernel twice ("kernel already registered").
  resolve: { dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  worker: { format: 'es' },
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
