/**
 * Memory at real size: randomly initialised models of GPT-2 124M's and distilgpt2's exact shapes (12 or 6 layers,
 * width 768, 12 heads, context 1024, vocabulary 50 257, and pruned to 8 192) train a few AdamW steps at a small batch
 * and context on wasm in Node, fully and with LoRA (train/stepMemory.ts BENCH_LORA). Per shape: the peak bytes of
 * each term of a step (forward, backward, clip, update; `tf.profile`), the whole step's peak beside
 * model/memoryEstimate.ts's estimate, the wasm heap the process grew to (what the operating system sees), ms per step
 * and the tensor count after every step (flat = no leak).
 *
 *   npm run bench:memory                       # every shape, each in its own process (the wasm heap never shrinks)
 *   npm run bench:memory -- --only gpt2-v8192  # one shape
 *   npm run bench:memory -- --only gpt2 --trainable lora   # one shape, LoRA only (rank 8 on all four projections)
 *   npm run bench:memory -- --backend webgpu --only tiny   # WebGPU through Dawn (needs VK_ICD_FILENAMES, see docs)
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
import { loraOfTrainable, measureStepMemory, type StepMemory, type Trainable } from '../src/core/train/stepMemory';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';
import { countGptParams, GPT2_SMALL, type GptConfig } from '../src/core/model/config';
import { activeMemoryBudget, assertTrainingFits, MemoryFitError } from '../src/core/model/memoryBudget';
import { estimateTrainingMemory } from '../src/core/model/memoryEstimate';

const GPT2 = GPT2_SMALL;
const DISTIL: GptConfig = { ...GPT2, layers: 6 };

interface Shape {
  name: string;
  config: GptConfig;
  batchSize: number;
  contextLength: number;
}

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
];
/** The trainable selectors this bench runs (`--trainable full|lora` picks one). */
const TRAINABLE: Trainable[] = ['full', 'lora'];
const STEPS = 2;

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
  measured: StepMemory;
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

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
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
  const lora = loraOfTrainable(trainable);
  const trainableParameters = lora === undefined ? undefined : loraParameterCount(asked.config, lora);
  try {
    assertTrainingFits(
      asked.config,
      { batchSize: asked.batchSize, contextLength: asked.contextLength, trainableParameters, lora },
      activeMemoryBudget(),
    );
  } catch (error) {
    if (!(error instanceof MemoryFitError) || !error.verdict.suggestion) throw error;
    refused = error.message;
    shape = {
      ...asked,
      batchSize: error.verdict.suggestion.batchSize,
      contextLength: error.verdict.suggestion.contextLength,
    };
  }
  const measured = await measureStepMemory(shape.config, {
    batchSize: shape.batchSize,
    contextLength: shape.contextLength,
    trainable,
    steps: STEPS,
    onStep: (s, ms) => process.stderr.write(`  ${shape.name} step ${s + 1}: ${(ms / 1000).toFixed(1)} s\n`),
  });
  if (trainableParameters !== undefined && measured.trainableParameters !== trainableParameters) {
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

const backend = (arg('backend') ?? 'wasm') as Backend;
const only = arg('only');
const onlyTrainable = arg('trainable') as Trainable | undefined;
if (onlyTrainable && !TRAINABLE.includes(onlyTrainable))
  throw new Error(`--trainable must be one of ${TRAINABLE.join(', ')}`);
const child = process.argv.includes('--child');

if (child) {
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
    for (const trainable of TRAINABLE.filter((t) => !onlyTrainable || t === onlyTrainable)) {
      // One process per shape: the wasm heap only grows, so a shape measured after a bigger one would read its size.
      const run = spawnSync(
        process.execPath,
        [...process.execArgv, here, '--child', '--only', shape.name, '--trainable', trainable, '--backend', backend],
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
