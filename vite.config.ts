import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { splitPure, testLanes } from './scripts/testLanes.ts';

/**
 * The hosts the Hub serves downloads from: huggingface.co (files and the API), its redirect targets for large files
 * (the LFS CDN `cdn-lfs*.huggingface.co` / `cdn-lfs-*.hf.co` and the Xet storage `cas-bridge.xethub.hf.co`,
 * `transfer.xethub.hf.co`), and hf.co, its short name. A CSP `*.` wildcard matches subdomains at any depth.
 */
export const HUB_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://hf.co', 'https://*.hf.co'];

/**
 * connect-src's remote part. By default https to any host: the LLM judge's address (and a Hub mirror) is typed in at
 * run time, and a policy cannot be widened after the page loads. A host that knows its judge pins it at build time:
 * `STUDIO_CONNECT_HOSTS="hub https://api.openai.com" npm run build`, where `hub` stands for HUB_HOSTS; the page then
 * connects to those origins only (plus this machine over http, for a local judge). docs/HOSTING.md explains it.
 */
export function remoteConnectSources(pinned = process.env.STUDIO_CONNECT_HOSTS): string[] {
  const listed = pinned?.trim() ? pinned.trim().split(/[\s,]+/) : undefined;
  return listed ? listed.flatMap((h) => (h === 'hub' ? HUB_HOSTS : [h])) : ['https:'];
}

/**
 * The built page's Content-Security-Policy (docs/HOSTING.md explains each part). connect-src: see
 * remoteConnectSources; plain http only on this machine. WebAssembly (tfjs-wasm) needs 'wasm-unsafe-eval';
 * its threads are workers made from blob: URLs that load their script from another blob: URL, hence blob: in
 * worker-src and script-src (a blob: URL can only be made by script already running in the page).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  `connect-src 'self' ${remoteConnectSources().join(' ')} http://localhost:* http://127.0.0.1:* http://[::1]:*`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Cross-origin isolation, so the browser gives the page SharedArrayBuffer and tfjs's wasm backend runs on several
 * threads (src/worker/wasmThreads.ts). `require-corp` rather than `credentialless`: everything the studio loads is its
 * own (same origin, blob: workers included) or fetched with CORS (the LLM judge, model hosts), which COEP lets through
 * either way, and `require-corp` is the one every browser with threads supports. docs/HOSTING.md has the details.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** The policy as a <meta> in the built index.html (frame-ancestors only works as a header: see `preview`). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/** The guard in tfjs-backend-wasm's threaded factory that a minifier breaks (see below). */
export const THREADED_WASM_SCRIPT_DIR_GUARD = 'typeof _scriptDir !== "undefined" && _scriptDir';

/**
 * tfjs-backend-wasm starts each wasm thread from a Blob holding its factory's `toString()`, so that function must not
 * lean on the module around it. It reads one outer variable, `_scriptDir`, behind `typeof _scriptDir !== "undefined"`;
 * the minifier sees the variable declared and drops the `typeof`, and every thread then dies at start
 * ("ReferenceError: e is not defined"). In a browser `_scriptDir` is always undefined (it comes from
 * `document.currentScript` of a classic script, or Node's `__filename`; the line before reads `document.currentScript`
 * itself), so the guard is `false`. Fails the build if tfjs changes the code, rather than shipping threads that die.
 */
function threadedWasmSurvivesMinify(): Plugin {
  return {
    name: 'threaded-wasm-survives-minify',
    apply: 'build',
    transform(code, id) {
      if (!id.replaceAll('\\', '/').endsWith('/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'))
        return null;
      if (!code.includes(THREADED_WASM_SCRIPT_DIR_GUARD)) {
        this.error(
          `${id} no longer contains \`${THREADED_WASM_SCRIPT_DIR_GUARD}\`: check how its threads find their script (see threadedWasmSurvivesMinify in vite.config.ts).`,
        );
      }
      return { code: code.replaceAll(THREADED_WASM_SCRIPT_DIR_GUARD, 'false'), map: null };
    },
  };
}

const root = fileURLToPath(new URL('.', import.meta.url));
const lanes = testLanes(root);
const pure = splitPure(lanes.pure, root);

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  // A test can start a dev server with an empty dependency cache (e2e/first-run.spec.ts) without touching the shared one.
  cacheDir: process.env.VITE_CACHE_DIR ?? 'node_modules/.vite',
  // `vite preview` serves the built page as a host should: the policy, plus frame-ancestors as a header.
  preview: {
    headers: {
      'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
      'X-Content-Type-Options': 'nosniff',
      ...CROSS_ORIGIN_ISOLATION,
    },
  },
  // `npm start` isolated too, so wasm trains on the same threads in development as when hosted. The watcher leaves
  // out what tests and `npm run setup:python` write (page reloads while a venv installs).
  server: {
    headers: CROSS_ORIGIN_ISOLATION,
    watch: { ignored: ['**/.venv/**', '**/test-results/**', '**/playwright-report/**', '**/__pycache__/**'] },
  },
  // Two copies of tfjs in one bundle register every kernel twice ("kernel already registered").
  resolve: {
    dedupe: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
    ],
  },
  // The workers are where tfjs runs; their bundles get only these plugins.
  worker: { format: 'es', plugins: () => [threadedWasmSurvivesMinify()] },
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
  // The test lanes (scripts/testLanes.ts sorts each file by what it imports): `vitest run --project 'pure*'` is the
  // fast lane of `npm run check`; plain `vitest run` runs pure, numerics and gpu. Interop has its own config.
  // numerics and gpu stay isolated: tfjs's backends, kernels and tensors are global, and a file sharing them with the
  // one before fails (backendAgreement's leak check counts another file's tensors).
  test: {
    environment: 'node',
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'pure', include: pure.shared, isolate: false } },
      { extends: true, test: { name: 'pure-isolated', include: pure.isolated } },
      { extends: true, test: { name: 'numerics', include: lanes.numerics } },
      { extends: true, test: { name: 'gpu', include: lanes.gpu } },
    ],
  },
});
