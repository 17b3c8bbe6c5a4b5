/**
 * Memory at real size: randomly initialised models of GPT-2 124M's and distilgpt2's exact shapes (12 or 6 layers,
 * width 768, 12 heads, context 1024, vocabulary 50 257, and pruned to 8 192) and of SmolLM2-135M's (model/config.ts
 * SMOLLM2_135M: 30 × 576, 9 / 3 heads, SwiGLU 1 536, vocabulary 49 152) train a few AdamW steps at a small batch
 * and context on wasm in Node, fully and with LoRA (GPT-2: train/stepMemory.ts BENCH_LORA; SmolLM2: rank 8 on
 * q_proj and v_proj, peft's default for Llama). Per shape: the peak bytes of
 * each term of a step (forward, backward, clip, update; `tf.profile`), the whole step's peak beside
 * model/memoryEstimate.ts's estimate, the wasm heap the process grew to (what the operating system sees), ms per step
 * and the tensor count after every step (flat = no leak).
 *
 *   npm run bench:memory                       # every shape, each in its own process (the wasm heap never shrinks)
 *   npm run bench:memory -- --only gpt2-v8192  # one shape
 *   npm run bench:memory -- --only gpt2 --trainable lora   # one shape, LoRA only (rank 8 on all four projections)
 *   npm run bench:memory -- --backend webgpu --only tiny   # WebGPU through Dawn (needs VK_ICD_FILENAMES, see docs)
 *   npm run bench:memory -- --only smollm2 --trainable full --backend cpu --budget-gib 4.5 --steps 1
 *                                              # beyond wasm's 4 GiB heap: cpu, with a budget of this machine's RAM
 *   npm run bench:memory -- --grid            # estimates only: SmolLM2-135M at B 1/2/4 × T 256/512, full and LoRA
 *
 * A shape the budget refuses is measured at the shape the refusal suggests (the output says which); one refused
 * with no suggestion (SmolLM2's full fine-tuning on wasm: weights, moments and gradients alone exceed the heap) is
 * reported with its estimate and not measured.
 *
 * Results go to the console and bench-results/memory-<backend>[-<trainable>].json; docs/BENCHMARKS.md quotes them. Heavy: GPT-2's shape
 * needs ~3 GB of the 4 GB wasm heap and tens of seconds per step on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loraParameterCount } from '../src/core/model/lora';
import type { LoraSettings } from '../src/core/model/loraSettings';
import { loraOfTrainable, measureStepMemory, type StepMemory, type Trainable } from '../src/core/train/stepMemory';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';
import { countGptParams, GPT2_SMALL, SMOLLM2_135M, type GptConfig } from '../src/core/model/config';
import {
  activeMemoryBudget,
  assertTrainingFits,
  MemoryFitError,
  WASM_HEAP_MAX,
  WASM_USABLE_FRACTION,
  type MemoryBudget,
} from '../src/core/model/memoryBudget';
import { checkTrainingMemory, estimateTrainingMemory, formatBytes } from '../src/core/model/memoryEstimate';

const GPT2 = GPT2_SMALL;
const DISTIL: GptConfig = { ...GPT2, layers: 6 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Shape {
  name: string;
  config: GptConfig;
  batchSize: number;
  contextLength: number;
  /** The adapters of its LoRA run (default BENCH_LORA). */
  lora?: LoraSettings;
  /** What it trains (default TRAINABLE: both). */
  trainables?: Trainable[];
}

/** peft's default for Llama: rank 8 on q_proj and v_proj. */
const SMOLLM2_LORA: LoraSettings = {
  rank: 8,
  alpha: 16,
  targets: ['attn.q_proj', 'attn.v_proj'],
  biases: false,
  layerNorms: false,
};

const SHAPES: Shape[] = [
  { name: 'distilgpt2-v8192', config: { ...DISTIL, vocabSize: 8192 }, batchSize: 2, contextLength: 128 },
  { name: 'gpt2-v8192', config: { ...GPT2, vocabSize: 8192 }, batchSize: 2, contextLength: 128 },
  { name: 'distilgpt2', config: DISTIL, batchSize: 2, contextLength: 128 },
  { name: 'gpt2', config: GPT2, batchSize: 2, contextLength: 128 },
  // Small enough for WebGPU on a software adapter (SwiftShader): the same code path at a size that finishes.
  {
    name: 'tiny',
    config: { ...GPT2, layers: 2, width: 128, heads: 4, vocabSize: 2048, contextLength: 128 },
    batchSize: 2,
    contextLength: 64,
  },
  // Asked at 1 × 256; what fits is decided by the budget (the output says what was reduced).
  { name: 'smollm2', config: SMOLLM2_135M, batchSize: 1, contextLength: 256, lora: SMOLLM2_LORA },
];
/** The trainable selectors this bench runs (`--trainable full|lora` picks one). */
const TRAINABLE: Trainable[] = ['full', 'lora'];
const STEPS = Number(arg('steps') ?? 2);

type Backend = 'wasm' | 'cpu' | 'webgpu';

interface Row {
  shape: string;
  trainable: Trainable;
  backend: Backend;
  params: number;
  /** The shape asked for, and the budget's refusal when it did not fit (then the row is the suggested shape). */
  asked: { batchSize: number; contextLength: number; refused?: string };
  batchSize: number;
  contextLength: number;
  /** null: refused with no shape that fits, not measured. */
  measured: StepMemory | null;
  estimated: {
    total: number;
    weights: number;
    adam: number;
    gradients: number;
    activations: number;
    logits: number;
    lora: number;
    backward: number;
    update: number;
  };
  /** Bytes of the wasm heap after the steps (grows, never shrinks), or the webgpu backend's buffer bytes. */
  backendBytes?: number;
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const MB = (b: number) => (b / 1e6).toFixed(0);

async function startBackend(backend: Backend): Promise<void> {
  if (backend !== 'webgpu') return setNodeBackend(backend);
  // Dawn's WebGPU for Node (the `webgpu` package) must be navigator.gpu before tfjs's webgpu backend is imported.
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new Error(
      'tfjs could not start webgpu through Dawn (set VK_ICD_FILENAMES to a Vulkan driver, see docs/BENCHMARKS.md).',
    );
  await tf.ready();
}

function backendBytes(backend: Backend): number | undefined {
  if (backend === 'wasm')
    return (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  // Every GPU buffer the backend created and still holds (its pool keeps freed ones for reuse): ~ the peak.
  if (backend === 'webgpu')
    return (tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
  return undefined;
}

async function measureOne(asked: Shape, trainable: Trainable, backend: Backend): Promise<Row> {
  await startBackend(backend);
  // The runner's own check first: a shape the budget refuses is reported with its refusal and measured at the
  // suggestion instead (running it would abort the wasm backend).
  let shape = asked;
  let refused: string | undefined;
  let unmeasurable = false;
  const lora = trainable === 'lora' ? (asked.lora ?? loraOfTrainable(trainable)) : undefined;
  const trainableParameters = lora === undefined ? undefined : loraParameterCount(asked.config, lora);
  try {
    assertTrainingFits(
      asked.config,
      { batchSize: asked.batchSize, contextLength: asked.contextLength, trainableParameters, lora },
      budgetOf(),
    );
  } catch (error) {
    if (!(error instanceof MemoryFitError)) throw error;
    refused = error.message;
    if (error.verdict.suggestion)
      shape = {
        ...asked,
        batchSize: error.verdict.suggestion.batchSize,
        contextLength: error.verdict.suggestion.contextLength,
      };
    else unmeasurable = true;
  }
  const measured = unmeasurable
    ? null
    : await measureStepMemory(shape.config, {
        batchSize: shape.batchSize,
        contextLength: shape.contextLength,
        trainable,
        lora,
        steps: STEPS,
        onStep: (s, ms) => process.stderr.write(`  ${shape.name} step ${s + 1}: ${(ms / 1000).toFixed(1)} s\n`),
      });
  if (trainableParameters !== undefined && measured && measured.trainableParameters !== trainableParameters) {
    throw new Error(
      `LoRA trained ${measured.trainableParameters} floats, loraParameterCount says ${trainableParameters}`,
    );
  }
  const e = estimateTrainingMemory(shape.config, {
    batchSize: shape.batchSize,
    contextLength: shape.contextLength,
    trainableParameters,
    lora,
  });
  return {
    shape: shape.name,
    trainable,
    backend,
    params: countGptParams(shape.config),
    asked: { batchSize: asked.batchSize, contextLength: asked.contextLength, refused },
    batchSize: shape.batchSize,
    contextLength: shape.contextLength,
    measured,
    estimated: {
      total: e.total,
      weights: e.weights,
      adam: e.adam,
      gradients: e.gradients,
      activations: e.activations,
      logits: e.logits,
      lora: e.lora,
      backward: e.backward,
      update: e.update,
    },
    backendBytes: backendBytes(backend),
  };
}

/** The backend's budget, or `--budget-gib` of it in all (to measure past wasm's heap on cpu, in the machine's RAM). */
function budgetOf(): MemoryBudget {
  const active = activeMemoryBudget();
  const gib = arg('budget-gib');
  if (gib === undefined) return active;
  const bytes = Math.round(Number(gib) * 1024 ** 3);
  if (!(bytes > 0)) throw new Error(`--budget-gib must be a positive number, got ${gib}`);
  return { ...active, budgetBytes: bytes, source: `--budget-gib ${gib}` };
}

/** Estimates only, no tensor: SmolLM2-135M at B 1/2/4 × T 256/512, full and LoRA, against wasm's budget. */
function printGrid(): void {
  const wasmBudget = Math.floor(WASM_HEAP_MAX * WASM_USABLE_FRACTION);
  const limits = { maxStorageBufferBindingSize: wasmBudget, maxBufferSize: wasmBudget };
  log(`SmolLM2-135M (${(countGptParams(SMOLLM2_135M) / 1e6).toFixed(1)}M params), estimate of one AdamW step:`);
  log(
    `| trainable | B × T | weights | moments | backward | update | **total** | on wasm (${formatBytes(wasmBudget)}) |`,
  );
  log('|---|---|---:|---:|---:|---:|---:|---|');
  for (const lora of [undefined, SMOLLM2_LORA]) {
    const trainableParameters = lora === undefined ? undefined : loraParameterCount(SMOLLM2_135M, lora);
    for (const T of [256, 512]) {
      for (const B of [1, 2, 4]) {
        const shape = { batchSize: B, contextLength: T, trainableParameters, lora };
        const e = estimateTrainingMemory(SMOLLM2_135M, shape);
        const v = checkTrainingMemory(SMOLLM2_135M, shape, limits, { budgetBytes: wasmBudget });
        const fit = v.fits
          ? 'fits'
          : v.suggestion
            ? `no; ${v.suggestion.batchSize} × ${v.suggestion.contextLength} does`
            : 'no; nothing does';
        log(
          `| ${lora ? `LoRA r ${lora.rank} ${lora.targets.join(', ')} (${trainableParameters} floats)` : 'full'} | ${B} × ${T} | ${formatBytes(e.weights)} | ${formatBytes(e.adam)} | ${formatBytes(e.backward)} | ${formatBytes(e.update)} | **${formatBytes(e.total)}** | ${fit} |`,
        );
      }
    }
  }
}

const backend = (arg('backend') ?? 'wasm') as Backend;
const only = arg('only');
const onlyTrainable = arg('trainable') as Trainable | undefined;
if (onlyTrainable && !TRAINABLE.includes(onlyTrainable))
  throw new Error(`--trainable must be one of ${TRAINABLE.join(', ')}`);
const child = process.argv.includes('--child');

if (process.argv.includes('--grid')) {
  printGrid();
} else if (child) {
  const shape = SHAPES.find((s) => s.name === only);
  if (!shape) throw new Error(`unknown shape ${only}; one of ${SHAPES.map((s) => s.name).join(', ')}`);
  const row = await measureOne(shape, (arg('trainable') ?? 'full') as Trainable, backend);
  log(`RESULT ${JSON.stringify(row)}`);
} else {
  const load = loadavg();
  log(`bench:memory on ${backend}, ${STEPS} steps per shape; load average ${load.map((l) => l.toFixed(2)).join(' ')}`);
  const rows: Row[] = [];
  const here = fileURLToPath(import.meta.url);
  for (const shape of SHAPES.filter((s) => (only ? s.name === only : s.name !== 'tiny' || backend === 'webgpu'))) {
    for (const trainable of (shape.trainables ?? TRAINABLE).filter((t) => !onlyTrainable || t === onlyTrainable)) {
      // One process per shape: the wasm heap only grows, so a shape measured after a bigger one would read its size.
      const run = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          here,
          '--child',
          '--only',
          shape.name,
          '--trainable',
          trainable,
          '--backend',
          backend,
          '--steps',
          String(STEPS),
          ...(arg('budget-gib') === undefined ? [] : ['--budget-gib', arg('budget-gib')!]),
        ],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 26,
        },
      );
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        log(
          `${shape.name} (${trainable}): failed (exit ${run.status}, ${run.signal ?? 'no signal'})\n${run.stdout.slice(-2000)}`,
        );
        continue;
      }
      const row = JSON.parse(line.slice(7)) as Row;
      rows.push(row);
      const m = row.measured;
      if (row.asked.refused)
        log(
          `${row.shape}: B ${row.asked.batchSize} T ${row.asked.contextLength} refused before allocation — ${row.asked.refused}`,
        );
      if (m === null) {
        log(
          `${row.shape} ${row.trainable} ${row.backend}: ${(row.params / 1e6).toFixed(1)}M params; not measured (nothing fits); estimate at B ${row.batchSize} T ${row.contextLength}: ${MB(row.estimated.total)} MB`,
        );
        continue;
      }
      if (row.batchSize !== row.asked.batchSize || row.contextLength !== row.asked.contextLength)
        log(
          `${row.shape}: measured at the reduced shape B ${row.batchSize} T ${row.contextLength} (asked B ${row.asked.batchSize} T ${row.asked.contextLength})`,
        );
      const ratio = row.estimated.total / m.peak;
      log(
        `${row.shape} ${row.trainable} ${row.backend}: ${(row.params / 1e6).toFixed(1)}M params, B ${row.batchSize} T ${row.contextLength}; ` +
          `resident ${MB(m.resident)} MB; above it: forward ${MB(m.terms.forward)}, backward ${MB(m.terms.backward)} (est. ${MB(row.estimated.backward)}), clip ${MB(m.terms.clip)}, update ${MB(m.terms.update)} (est. ${MB(row.estimated.update)}) MB; ` +
          `peak ${MB(m.peak)} MB, estimate ${MB(row.estimated.total)} MB (${((ratio - 1) * 100).toFixed(1)} %); ` +
          `${row.backendBytes ? `backend bytes ${MB(row.backendBytes)} MB; ` : ''}` +
          `ms/step ${m.msPerStep.map((x) => x.toFixed(0)).join(' / ')}; tensors ${m.tensorsAfterStep.join(' / ')}; loss ${m.losses.map((x) => x.toFixed(3)).join(' / ')}`,
      );
    }
  }
  const root = join(dirname(here), '..');
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results', `memory-${backend}${onlyTrainable ? `-${onlyTrainable}` : ''}.json`),
    JSON.stringify({ load, rows }, null, 2),
  );
  log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
