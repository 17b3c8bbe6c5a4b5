/**
 * WebGPU in Node through Dawn (the `webgpu` npm package), so Vitest and the CLI benches run tfjs's webgpu backend
 * without a browser. Node only: never import it from page or worker code (not named `.node.ts`: tsx would load that
 * as a native addon).
 *
 * Dawn talks to a Vulkan driver (ICD). Which one: `VK_ICD_FILENAMES` when the caller set it; otherwise the system's
 * ICDs when a GPU device node exists (/dev/nvidia*, /dev/dri/renderD*), so a machine with a GPU runs on it; otherwise
 * Chromium's SwiftShader (a CPU implementation of Vulkan, the only ICD Dawn accepts on a GPU-less machine: Mesa's
 * lavapipe lacks a feature Dawn requires). The loader reads the variable when Dawn creates its instance, so it is set
 * before `create()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';
import { installChunkedAddN } from './addN';
import { registerFusedKernels } from './fusedPrograms';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const SYSTEM_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

export interface DawnAdapterReport {
  /** Where the Vulkan driver came from, in words (the ICD file, or "system ICDs: …"). */
  icd: string;
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  isFallbackAdapter: boolean;
  limits: Record<string, number>;
}

function gpuDeviceNodes(): string[] {
  const nodes: string[] = [];
  if (existsSync('/dev'))
    nodes.push(
      ...readdirSync('/dev')
        .filter((n) => /^nvidia\d+$/.test(n))
        .map((n) => `/dev/${n}`),
    );
  if (existsSync('/dev/dri'))
    nodes.push(
      ...readdirSync('/dev/dri')
        .filter((n) => n.startsWith('renderD'))
        .map((n) => `/dev/dri/${n}`),
    );
  return nodes;
}

function systemIcds(): string[] {
  return SYSTEM_ICD_DIRS.filter(existsSync).flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .map((f) => `${d}/${f}`),
  );
}

/** Chooses the Vulkan driver (see the module comment), sets `VK_ICD_FILENAMES` where needed, and says which. */
export function chooseVulkanIcd(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VK_ICD_FILENAMES) return `VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES} (set by the caller)`;
  const nodes = gpuDeviceNodes();
  const gpuIcds = systemIcds().filter((f) => !/lvp_icd|swiftshader/.test(f));
  if (nodes.length > 0 && gpuIcds.length > 0) return `system ICDs (${gpuIcds.join(', ')}) for ${nodes.join(', ')}`;
  if (existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return `VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader: no GPU device node${nodes.length ? ' with a Vulkan ICD' : ''} found)`;
  }
  return `system ICDs (${gpuIcds.join(', ') || 'none'}); no GPU device node and no ${SWIFTSHADER_ICD}`;
}

const LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

let started: Promise<DawnAdapterReport> | undefined;

async function start(): Promise<DawnAdapterReport> {
  const icd = chooseVulkanIcd();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (typeof navigator === 'undefined')
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      `Dawn found no WebGPU adapter (Vulkan: ${icd}). Install the Vulkan loader and a driver: ` +
        '`apt-get install -y libvulkan1 chromium` (Chromium ships SwiftShader at ' +
        `${SWIFTSHADER_ICD}), or a GPU's Vulkan driver.`,
    );
  }
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of LIMITS) limits[k] = Number(adapter.limits[k]);
  // tfjs's backend registers its kernels on import, which needs navigator.gpu in place first.
  await import('@tensorflow/tfjs-backend-webgpu');
  installChunkedAddN('webgpu');
  registerFusedKernels();
  return {
    icd,
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    device: info?.device ?? '',
    isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter),
    limits,
  };
}

/**
 * Starts Dawn (once per process), registers tfjs's webgpu backend with our kernels, and selects it. Throws, saying
 * what to install, when there is no adapter: a WebGPU test must fail, never skip.
 */
export async function useDawnWebGPU(): Promise<DawnAdapterReport> {
  started ??= start();
  const report = await started;
  if (!(await tf.setBackend('webgpu')))
    throw new Error(`tfjs could not start its webgpu backend on Dawn (Vulkan: ${report.icd}).`);
  await tf.ready();
  return report;
}

/** One line naming the adapter, for test and bench output. */
export function describeAdapter(r: DawnAdapterReport): string {
  const name = [r.vendor, r.architecture, r.description || r.device].filter(Boolean).join(' / ') || 'unknown adapter';
  return `${name}${r.isFallbackAdapter ? ' (fallback)' : ''}; Vulkan: ${r.icd}`;
}

/** The same function under a name ESLint's React hook rule leaves alone (see nodeBackends.ts). */
export const startDawnWebGPU = useDawnWebGPU;
