// Picks the tfjs backend the worker trains on, and says why in words the user can act on.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the all-in-one package did this import for us.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

import { installChunkedAddN } from '../core/kernels/webgpu/addN';
import { registerFusedKernels } from '../core/kernels/webgpu/fusedPrograms';
import { installWasmBatchMatMul } from '../core/kernels/wasm/batchMatMul';
import type { AdapterSummary, BackendChoice, BackendName } from '../core/runs/backendChoice';
import type { BackendPreference } from '../core/runs/settings';
import { describeWasmThreads, hardwareConcurrencyForTfjs, planWasmThreads, type WasmThreadPlan } from './wasmThreads';

export type { AdapterSummary, BackendChoice, BackendName, BackendPreference };

// webgpu's AddN binds every input in one shader; past the device's storage-buffer limit (8 by default) the pipeline is
// invalid and WebGPU silently drops the whole command batch (stale results, NaN losses). Sum in chunks instead.
installChunkedAddN('webgpu');
// LayerNorm, GELU, causal softmax and cross-entropy in one kernel each (core/kernels/webgpu/fusedPrograms.ts).
registerFusedKernels();
// wasm's stock BatchMatMul leaves XNNPACK for a naive loop on transposed or batched operands, i.e. on most of a
// training step's products; ours transposes explicitly and multiplies matrix by matrix (~5× faster steps).
installWasmBatchMatMul();

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/** Decided once per worker: tfjs reads the thread count when it first starts wasm, and never again. */
let wasmThreadPlan: WasmThreadPlan | undefined;

function configureWasmThreads(requested?: number): WasmThreadPlan {
  if (wasmThreadPlan) return wasmThreadPlan;
  wasmThreadPlan = planWasmThreads(
    { crossOriginIsolated: self.crossOriginIsolated === true, hardwareConcurrency: navigator.hardwareConcurrency },
    requested,
  );
  if (wasmThreadPlan.threads > 1) {
    setThreadsCount(wasmThreadPlan.threads);
    const shown = hardwareConcurrencyForTfjs(wasmThreadPlan.threads, navigator.hardwareConcurrency);
    // Only while wasm starts (chooseBackend puts the browser's own count back).
    if (shown > 0) Object.defineProperty(navigator, 'hardwareConcurrency', { value: shown, configurable: true });
  }
  // One thread means the single-threaded binary (what a page that is not isolated gets), not a pool of one.
  else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return wasmThreadPlan;
}

function restoreHardwareConcurrency(): void {
  if (Object.hasOwn(navigator, 'hardwareConcurrency'))
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
}

function withWasmThreads(choice: BackendChoice, plan: WasmThreadPlan): BackendChoice {
  if (choice.name !== 'wasm') return choice;
  const count = getThreadsCount();
  return { ...choice, wasmThreads: { count, note: describeWasmThreads(plan, count) } };
}

async function probeWebGPU(): Promise<{ adapter?: AdapterSummary; why?: string }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { why: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { why: 'the browser offered no WebGPU adapter (GPU blocklisted or WebGPU disabled)' };
    const info = adapter.info;
    return {
      adapter: {
        vendor: info?.vendor ?? '',
        architecture: info?.architecture ?? '',
        description: info?.description ?? '',
        isFallbackAdapter: Boolean(
          (info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter ??
          (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter,
        ),
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    };
  } catch (error) {
    return { why: `requesting a WebGPU adapter failed (${String(error)})` };
  }
}

async function trySet(name: BackendName): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not initialise ${name}`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/**
 * `auto`: a real WebGPU adapter first; a software (fallback) adapter such as SwiftShader is skipped because it is
 * many times slower than wasm. A named backend is used if it works at all (the browser tests force `webgpu`).
 * On wasm, `options.wasmThreads` overrides the thread count (see wasmThreads.ts); the choice says how many ran.
 */
export async function chooseBackend(
  preference: BackendPreference,
  options: { wasmThreads?: number } = {},
): Promise<BackendChoice> {
  const plan = configureWasmThreads(options.wasmThreads);
  try {
    return withWasmThreads(await pickBackend(preference), plan);
  } finally {
    restoreHardwareConcurrency();
  }
}

async function pickBackend(preference: BackendPreference): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  const probe = await probeWebGPU();

  if (preference !== 'auto') {
    if (preference === 'webgpu' && !probe.adapter) throw new Error(`WebGPU was requested, but ${probe.why}.`);
    const failure = await trySet(preference);
    if (failure) throw new Error(`The ${preference} backend was requested, but it failed: ${failure}`);
    const softwareNote =
      preference === 'webgpu' && probe.adapter?.isFallbackAdapter
        ? ' The adapter is a software fallback, so expect it to be slow.'
        : '';
    return {
      name: preference,
      reason: `You chose ${preference}.${softwareNote}`,
      adapter: preference === 'webgpu' ? probe.adapter : undefined,
      skipped,
    };
  }

  if (!probe.adapter) skipped.push({ name: 'webgpu', why: probe.why! });
  else if (probe.adapter.isFallbackAdapter) {
    skipped.push({
      name: 'webgpu',
      why: `the only WebGPU adapter is a software fallback (${probe.adapter.architecture || probe.adapter.vendor || 'CPU emulation'}), far slower than wasm; choose WebGPU explicitly to use it anyway`,
    });
  } else {
    const failure = await trySet('webgpu');
    if (!failure) {
      const gpuName = [probe.adapter.vendor, probe.adapter.architecture].filter(Boolean).join(' ') || 'your GPU';
      return { name: 'webgpu', reason: `WebGPU on ${gpuName}.`, adapter: probe.adapter, skipped };
    }
    skipped.push({ name: 'webgpu', why: failure });
  }

  for (const name of ['webgl', 'wasm', 'cpu'] as const) {
    if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') {
      skipped.push({ name, why: 'no OffscreenCanvas in this worker' });
      continue;
    }
    const failure = await trySet(name);
    if (!failure) {
      if (name === 'webgl' && isSoftwareWebGL()) {
        skipped.push({ name, why: 'WebGL runs on a software renderer here, slower than wasm' });
        continue;
      }
      const why = skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
      return { name, reason: `Training on ${name} because ${why}.`, skipped };
    }
    skipped.push({ name, why: failure });
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}`);
}

function isSoftwareWebGL(): boolean {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return false;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

/**
 * tfjs never listens to the WebGPU device, so a validation error drops a batch of GPU work without a word and a lost
 * device (driver reset, GPU removed, tab backgrounded too long) fails every later step. Report both, once, so the run
 * can stop and say why instead of training on wrong numbers.
 */
export function watchWebGPUDevice(onProblem: (message: string) => void): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) return;
  let reported = false;
  const report = (message: string) => {
    if (reported) return;
    reported = true;
    onProblem(message);
  };
  device.addEventListener('uncapturederror', (event) => {
    report(
      `The GPU rejected a computation (${(event as GPUUncapturedErrorEvent).error.message.split('\n')[0]}); the results of this step cannot be trusted, so the run stopped. Try the wasm backend, or report this with your browser and GPU.`,
    );
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed')
      report(
        `The GPU device was lost (${info.message || info.reason}). Reload the page and resume the run from its last checkpoint.`,
      );
  });
}
