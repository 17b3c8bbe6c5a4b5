/**
 * tfjs backends for Node (CLI, benchmarks, Vitest): the Node counterpart of src/worker/backends.ts. `@tensorflow/tfjs-node`
 * cannot be installed here, so Node runs the same wasm (XNNPACK, SIMD) or pure-JS cpu kernels the browser has, with
 * our wasm BatchMatMul installed as the workers install it. Node only (node:module, node:path): never import it from page or worker code.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { installWasmBatchMatMul } from './wasm/batchMatMul';

/**
 * tfjs-core alone registers no gradients (the all-in-one package's Node bundle had them built in), and its
 * `register_all_gradients` exists only as ES modules written for bundlers: extension-less relative imports, and
 * `./gradients` meaning gradients.js next to a gradients/ folder. Node's own resolver refuses both
 * (ERR_UNSUPPORTED_DIR_IMPORT under tsx, so every CLI failed), so a resolve hook retries such imports inside
 * tfjs-core's dist/ with `.js`. Vitest resolves them itself; the hook is inert there. The import is dynamic because
 * a hook only applies to modules resolved after it was registered.
 */
const retryWithJs = `export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const inTfjsCore = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/');
    if (!inTfjsCore || !specifier.startsWith('.') || specifier.endsWith('.js')) throw error;
    return next(specifier + '.js', context);
  }
}`;
// Once per process: Vitest re-evaluates this module for every test file, and each registration would chain a hook.
const HOOKED = Symbol.for('phased-ift-studio.tfjsCoreResolveHook');
const processGlobals = globalThis as { [HOOKED]?: true };
if (!processGlobals[HOOKED]) {
  register(`data:text/javascript,${encodeURIComponent(retryWithJs)}`);
  processGlobals[HOOKED] = true;
}
await import('@tensorflow/tfjs-core/dist/register_all_gradients');

export type NodeBackendName = 'wasm' | 'cpu';

// Every product on XNNPACK's fast path (see wasm/batchMatMul.ts); the bench switches it off to time tfjs's own.
installWasmBatchMatMul();

let wasmPathsSet = false;

/**
 * The folder holding the `.wasm` binaries of the installed `@tensorflow/tfjs-backend-wasm`. In Node the backend
 * reads them with `fs`, so a plain file path works; it must end with a separator because tfjs appends the file
 * name to it.
 */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** Registers (wasm: points tfjs at its binaries), selects and initialises `name`. Safe to call repeatedly. */
export async function useNodeBackend(name: NodeBackendName): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet && tf.findBackend('wasm') === null) {
    setWasmPaths(wasmBinaryDir());
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new Error(
      `tfjs could not start the "${name}" backend in Node` +
        (name === 'wasm' ? ` (binaries looked for in ${wasmBinaryDir()}); try the "cpu" backend.` : '.'),
    );
  }
  await tf.ready();
}

/**
 * The same function under a name ESLint's React rules leave alone: `react-hooks/rules-of-hooks` takes any `use…`
 * call outside a component (top level, plain functions, loops) for a hook and reports it.
 */
export const setNodeBackend = useNodeBackend;
