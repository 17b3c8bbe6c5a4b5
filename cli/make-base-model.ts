/**
 * Pretrain the studio's built-in base model: the char-level GPT, from scratch, on the plain-text corpus of
 * `src/core/demo/pretrainCorpus.ts` (statements, not instructions), with plain next-token loss on every token.
 *
 *   npm run make:base                       # the shipped model → public/models/base/ (base.safetensors + README.md):
 *                                           # the two stages of SHIPPED_STAGES in one process
 *   npm run make:base -- --micro --out DIR  # the same two stages at the micro preset, a few steps (what the test runs)
 *   npm run make:base -- --layers 4 --width 128 --out DIR   # the two stages at another shape
 *   npm run make:base -- --steps 200 --batch 8 --lr 2e-3 --seed 1 --corpus-seed 20240611 --out DIR
 *                                           # one stage of your own (--steps, --lr, --mix or --init make it one stage)
 *   npm run make:base -- --init FILE --mix ops --steps 6000 --lr 2e-3 --out DIR
 *                                           # continue a checkpoint on another mix (docs/BASE_MODEL_ATTEMPTS.md)
 *   npm run make:base -- --evaluate FILE    # only the operation probes of an existing checkpoint
 *
 * Node, tfjs wasm backend, fixed seeds: the same command writes the same weights on the same machine and backend.
 * Prints its loss curve (train loss per window, held-out corpus loss now and then) and a few greedy continuations.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createBaseTokenizer,
  DEFAULT_PRETRAIN_MIX,
  DEFAULT_PRETRAIN_SEED,
  operationProbes,
  PackedStream,
  PRETRAIN_MIXES,
  type PretrainMixName,
} from '../src/core/demo/pretrainCorpus';
import type { Tokenizer } from '../src/core/tokenizer/tokenizer';
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { greedyGenerate } from '../src/core/eval/generate';
import { evaluateHeldOut } from '../src/core/eval/heldOutLoss';
import { saveCheckpoint } from '../src/core/model/checkpoint';
import { countGptParams, GPT_PRESETS, validateGptConfig, type GptConfig, type GptPresetName, type GptShape } from '../src/core/model/config';
import { decayMask, disposeGptParams, gptLoss, initGptParams, type GptParams } from '../src/core/model/gpt';
import { PAPER_HYPER } from '../src/core/train/hyper';
import { AdamW, lossAndGrads } from '../src/core/train/optimizer';
import { lrAt } from '../src/core/train/schedule';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';

// ───────────────────────────── pretraining ─────────────────────────────

export interface BaseModelOptions {
  shape: GptShape;
  /** Model init seed. */
  seed: number;
  /** Seed of the corpus stream (held-out text comes from a stream of seed + 1). */
  corpusSeed: number;
  steps: number;
  /** Rows of contextLength + 1 tokens per step. */
  batchSize: number;
  lr: number;
  minLrRatio: number;
  warmupRatio: number;
  weightDecay: number;
  logEvery: number;
  /** Held-out corpus loss every this many steps (and at the end). */
  evalEvery: number;
  evalRows: number;
  /**
   * The first `shortFraction` of the steps train on rows of `shortLength` tokens instead of the full context: many more
   * updates for the same tokens while the model learns within-statement structure (a statement is < 100 characters);
   * the remaining steps use full-context rows so every position embedding is trained. 0 = full rows throughout.
   */
  shortFraction: number;
  shortLength: number;
  /** During the short-row steps, every `longEvery`-th step still uses full rows (0 = never), so the later positions train while the LR is high. */
  longEvery: number;
  /**
   * Continue from this checkpoint's weights instead of a fresh init (same shape and tokenizer; the optimizer starts
   * fresh, with its own warm-up): a second stage on another mix, e.g. operations after copying.
   */
  initPath?: string;
  /** Continue from these checkpoint bytes (the previous stage of one command); `initPath` names them in the log. */
  initBytes?: Uint8Array;
  /** Which corpus mix of `pretrainCorpus.ts` to train on. */
  mix: PretrainMixName;
  /** Operation probes per operation (greedy exact match on held-out statements), at every evaluation; 0 = only at the end. */
  probesPerOp: number;
  /** Probe the operations at every held-out evaluation too (costs a few seconds each). */
  probeEveryEval: boolean;
}

/** The shipped model: GPT_PRESETS.tiny (2 layers × 64, 4 heads) with a 320-token context; see README in public/models/base. */
export const BASE_DEFAULTS: BaseModelOptions = {
  shape: { ...GPT_PRESETS.tiny, contextLength: 320 },
  seed: 1,
  corpusSeed: DEFAULT_PRETRAIN_SEED,
  steps: 4000,
  batchSize: 8,
  lr: 3e-3,
  minLrRatio: 0.1,
  warmupRatio: 0.05,
  weightDecay: 0.1,
  logEvery: 50,
  evalEvery: 200,
  evalRows: 16,
  shortFraction: 0.9,
  shortLength: 128,
  longEvery: 4,
  mix: DEFAULT_PRETRAIN_MIX,
  probesPerOp: 40,
  probeEveryEval: false,
};

/** For the test: the micro preset, a few steps. */
export const MICRO_DEFAULTS: BaseModelOptions = {
  ...BASE_DEFAULTS,
  shape: { ...GPT_PRESETS.micro },
  steps: 6,
  batchSize: 4,
  logEvery: 2,
  evalEvery: 3,
  evalRows: 4,
  shortFraction: 0.5,
  shortLength: 16,
  longEvery: 2,
  probesPerOp: 2,
};

/**
 * The shipped recipe, one entry per stage, each continuing from the previous one's weights with a fresh optimizer:
 * stage 1 on the `v1` mix (repeats 30 %) until the model copies, stage 2 on `ops`, which weights the demo's
 * operations up. Copying has to come first: `ops` from scratch had not learned to copy after 4 000 steps
 * (docs/BASE_MODEL_ATTEMPTS.md, attempts #1 and #2).
 */
export const SHIPPED_STAGES: readonly Partial<BaseModelOptions>[] = [{}, { mix: 'ops', steps: 6000, lr: 2e-3 }];

/** The micro model's stages: the shipped recipe's mixes and learning rates, a few steps each. */
export const MICRO_STAGES: readonly Partial<BaseModelOptions>[] = [{}, { mix: 'ops', lr: 2e-3 }];

export interface BaseModelResult {
  bytes: Uint8Array;
  config: GptConfig;
  /** Train loss of every step. */
  losses: number[];
  /** Held-out corpus loss at the steps it was measured. */
  evals: { step: number; loss: number }[];
  tokens: number;
  trainMs: number;
  samples: { prompt: string; continuation: string }[];
  /** Greedy exact match per operation on held-out statements, at the end. */
  probes: OperationScore[];
}

export interface OperationScore {
  op: string;
  correct: number;
  total: number;
  /** One prompt, its expected continuation and what the model wrote. */
  example: { prompt: string; expected: string; got: string };
}

/**
 * Does the model know the operations? Greedy continuation of held-out statement openings (`the reverse of "kavo" is "`)
 * compared with the right answer and the character after it, per operation of the demo suite's levels 1–3.
 */
export async function probeOperations(config: GptConfig, params: GptParams, tokenizer: Tokenizer, perOp: number): Promise<OperationScore[]> {
  const probes = operationProbes(perOp);
  const gens = await greedyGenerate(
    { config, params },
    probes.map((p) => [tokenizer.bosId, ...tokenizer.encode(p.prompt)]),
    { maxNewTokens: probes.map((p) => p.expected.length), eosId: tokenizer.eosId },
  );
  const scores = new Map<string, OperationScore>();
  probes.forEach((p, i) => {
    const got = tokenizer.decode(gens[i]!.ids);
    const s = scores.get(p.op) ?? { op: p.op, correct: 0, total: 0, example: { prompt: p.prompt, expected: p.expected, got } };
    s.total++;
    if (got === p.expected) s.correct++;
    scores.set(p.op, s);
  });
  return [...scores.values()];
}

export function formatProbes(scores: readonly OperationScore[]): string {
  return scores.map((s) => `${s.op} ${s.correct}/${s.total}`).join(', ');
}

/** Statement openings the base model should complete (printed at the end and written into the README). */
export const PROBES = [
  'the reverse of "kavo" is "',
  "the letters of 'mirat' sorted are '",
  '"dog" has ',
  '17 + 25 = ',
  '"banana" without vowels is "',
  'the first letter of "zebu" is ',
];

/** Mean next-token loss over held-out corpus rows of T + 1 tokens: every target counts (a one-token "prompt"). */
async function heldOutLoss(config: GptConfig, params: GptParams, rows: Int32Array[]): Promise<number> {
  const examples = rows.map((ids) => ({ ids, promptLength: 1, truncation: 'none' as const, dropped: 0 }));
  const batching = { batchSize: rows.length, contextLength: config.contextLength, padId: 0, shape: 'fixed' as const };
  return (await evaluateHeldOut({ config, params }, [{ bucket: 'corpus', examples }], batching)).overall;
}

/** The weights of a checkpoint to continue from; its shape and tokenizer must be the ones this run would make. */
function loadInit(bytes: Uint8Array, path: string, config: GptConfig, tokenizer: Tokenizer, log: (line: string) => void): GptParams {
  const ck = loadCheckpoint(bytes);
  const key = (c: GptConfig) => JSON.stringify([c.layers, c.width, c.heads, c.mlpRatio, c.contextLength, c.vocabSize]);
  if (key(ck.config) !== key(config) || JSON.stringify(ck.tokenizer.toJSON()) !== JSON.stringify(tokenizer.toJSON())) {
    disposeGptParams(ck.params);
    throw new Error(`--init ${path}: its shape or tokenizer differs from this run's (${key(ck.config)} vs ${key(config)}); pass the same --layers/--width/--heads.`);
  }
  log(`continuing from ${path} (${ck.meta['base.command'] ?? 'no command recorded'}; held-out loss ${ck.meta['base.heldOutLoss'] ?? '?'})`);
  return ck.params;
}

/** Pretrains from scratch (or from --init) and returns the checkpoint bytes (weights, config, tokenizer; no optimizer state). */
export async function makeBaseModel(o: BaseModelOptions, log: (line: string) => void = console.log, extraMeta: Record<string, string> = {}): Promise<BaseModelResult> {
  const tokenizer = createBaseTokenizer();
  const config = validateGptConfig({ ...o.shape, vocabSize: tokenizer.vocabSize });
  const T = config.contextLength;
  const B = o.batchSize;
  log(
    `model: ${config.layers} layers × ${config.width} wide, ${config.heads} heads, context ${T}, vocab ${config.vocabSize} ` +
      `(${(countGptParams(config) / 1e6).toFixed(3)}M parameters); ${o.steps} steps of ${B} × ${T} tokens; backend ${tf.getBackend()}`,
  );
  const initBytes = o.initBytes ?? (o.initPath !== undefined ? new Uint8Array(readFileSync(o.initPath)) : undefined);
  const params = initBytes !== undefined ? loadInit(initBytes, o.initPath ?? 'the previous stage', config, tokenizer, log) : initGptParams(config, o.seed);
  // The paper's AdamW (β, ε, clip) for pretraining too; only the decay is this script's own setting.
  const { beta1, beta2, eps, clipNorm } = PAPER_HYPER;
  const opt = new AdamW(params, { beta1, beta2, eps, weightDecay: o.weightDecay, clipNorm, decay: decayMask });
  const mix = PRETRAIN_MIXES[o.mix];
  const stream = new PackedStream(tokenizer, o.corpusSeed, mix);
  const evalStream = new PackedStream(tokenizer, o.corpusSeed + 1, mix);
  const evalRows = Array.from({ length: o.evalRows }, () => evalStream.next(T + 1));
  const shortSteps = Math.round(o.shortFraction * o.steps);
  const isShort = (step: number): boolean => step < shortSteps && !(o.longEvery > 0 && step % o.longEvery === o.longEvery - 1);
  const rowLength = (step: number): number => (isShort(step) ? Math.min(o.shortLength, T) : T);
  if (shortSteps > 0) {
    log(`steps 1–${shortSteps} on rows of ${rowLength(0)} tokens${o.longEvery > 0 ? ` (every ${o.longEvery}th on full rows)` : ''}, then full rows of ${T}`);
  }
  const masks = new Map<number, tf.Tensor2D>();
  const losses: number[] = [];
  const evals: { step: number; loss: number }[] = [];
  const pending: tf.Scalar[] = [];
  let tokens = 0;
  let trainMs = 0;
  let clock = performance.now();
  try {
    for (let step = 0; step < o.steps; step++) {
      const L = rowLength(step);
      const ids = new Int32Array(B * L);
      const targets = new Int32Array(B * L);
      for (let r = 0; r < B; r++) {
        const row = stream.next(L + 1);
        ids.set(row.subarray(0, L), r * L);
        targets.set(row.subarray(1), r * L);
      }
      tokens += B * L;
      if (!masks.has(L)) masks.set(L, tf.ones([B, L]) as tf.Tensor2D);
      const mask = masks.get(L)!;
      const lr = lrAt(step, o.steps, { peakLr: o.lr, minLrRatio: o.minLrRatio, warmupRatio: o.warmupRatio });
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(ids, [B, L], 'int32');
        const y = tf.tensor2d(targets, [B, L], 'int32');
        const { value, grads } = lossAndGrads(params, () => gptLoss(config, params, x, y, mask));
        opt.apply(grads, lr, { loss: value });
        return value;
      });
      pending.push(loss);
      const last = step === o.steps - 1;
      if (pending.length >= o.logEvery || last) {
        const values = await Promise.all(pending.map((l) => l.data()));
        tf.dispose(pending);
        pending.length = 0;
        const window = values.map((v) => v[0]!);
        if (window.some((v) => !Number.isFinite(v))) throw new Error(`pretraining diverged at step ${step + 1} (loss ${window.join(', ')}); lower --lr.`);
        losses.push(...window);
        const now = performance.now();
        trainMs += now - clock;
        clock = now;
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        log(
          `step ${String(step + 1).padStart(5)}  loss ${mean.toFixed(4)}  lr ${lr.toExponential(2)}  ` +
            `${Math.round((tokens / trainMs) * 1000)} tok/s  ${(trainMs / 1000).toFixed(0)} s`,
        );
      }
      if ((step + 1) % o.evalEvery === 0 || last) {
        const v = await heldOutLoss(config, params, evalRows);
        evals.push({ step: step + 1, loss: v });
        // Can it copy yet? (the skill every demo task needs first)
        const probe = '"mirat" again is "';
        const [g] = await greedyGenerate({ config, params }, [[tokenizer.bosId, ...tokenizer.encode(probe)]], { maxNewTokens: 7, eosId: tokenizer.eosId });
        log(`  held-out corpus loss @${step + 1}: ${v.toFixed(4)}   ${probe}→ ${JSON.stringify(tokenizer.decode(g!.ids))}`);
        if (o.probeEveryEval && !last) log(`  operations @${step + 1}: ${formatProbes(await probeOperations(config, params, tokenizer, o.probesPerOp))}`);
        clock = performance.now();
      }
    }
    const gens = await greedyGenerate(
      { config, params },
      PROBES.map((p) => [tokenizer.bosId, ...tokenizer.encode(p)]),
      { maxNewTokens: 16, eosId: tokenizer.eosId },
    );
    const samples = PROBES.map((prompt, i) => ({ prompt, continuation: tokenizer.decode(gens[i]!.ids).split('\n')[0]! }));
    for (const s of samples) log(`  ${JSON.stringify(s.prompt)} → ${JSON.stringify(s.continuation)}`);
    const probes = await probeOperations(config, params, tokenizer, o.probesPerOp);
    log(`  operations (greedy exact match on held-out statements): ${formatProbes(probes)}`);
    const bytes = saveCheckpoint({
      config,
      tokenizer,
      params,
      extraMeta: {
        'base.kind': 'pretrained char GPT (plain statements, not instructions)',
        'base.seed': String(o.seed),
        'base.corpusSeed': String(o.corpusSeed),
        'base.steps': String(o.steps),
        'base.batchSize': String(o.batchSize),
        'base.lr': String(o.lr),
        'base.mix': o.mix,
        ...(o.initPath !== undefined ? { 'base.init': o.initPath } : {}),
        'base.tokens': String(tokens),
        'base.finalTrainLoss': losses.slice(-o.logEvery).reduce((a, b, _, xs) => a + b / xs.length, 0).toFixed(4),
        'base.heldOutLoss': evals[evals.length - 1]!.loss.toFixed(4),
        ...extraMeta,
      },
    });
    return { bytes, config, losses, evals, tokens, trainMs, samples, probes };
  } finally {
    tf.dispose(pending);
    tf.dispose([...masks.values()]);
    opt.dispose();
    disposeGptParams(params);
  }
}

/** One stage's options and what it measured. */
export interface StageRun {
  o: BaseModelOptions;
  r: BaseModelResult;
}

function stageRows(o: BaseModelOptions, r: BaseModelResult): string {
  const T = r.config.contextLength;
  const short = Math.round(o.shortFraction * o.steps);
  const rows = short > 0
    ? `: the first ${short} on rows of ${Math.min(o.shortLength, T)} tokens${o.longEvery > 0 ? ` (every ${o.longEvery}th on full rows)` : ''}, the last ${o.steps - short} on full rows of ${T}`
    : ` × ${T} tokens`;
  return `mix \`${o.mix}\`, ${o.steps} steps of ${o.batchSize} rows${rows} — ${r.tokens.toLocaleString('en-US')} tokens; peak LR ${o.lr}`;
}

function readme(stages: readonly StageRun[], wallMs: number, command: string, fileBytes: number): string {
  const first = stages[0]!;
  const last = stages[stages.length - 1]!;
  const c = last.r.config;
  const o = last.o;
  const tokens = stages.reduce((n, s) => n + s.r.tokens, 0);
  const trainMs = stages.reduce((n, s) => n + s.r.trainMs, 0);
  const many = stages.length > 1;
  const label = (i: number): string => (many ? `stage ${i + 1}` : 'pretraining');
  const curve = stages
    .flatMap((s, i) => s.r.evals.map((e) => `| ${many ? `${i + 1} | ` : ''}${e.step} | ${windowMean(s.r.losses, e.step).toFixed(3)} | ${e.loss.toFixed(3)} |`))
    .join('\n');
  const startsFrom = first.o.initPath !== undefined ? `continued from \`${first.o.initPath}\`` : `model init ${first.o.seed}`;
  return `# Built-in base model

\`base.safetensors\` is the model the studio fine-tunes by default: a character-level GPT pretrained **from scratch**
on plain text that is *not* in instruction format — the demo's operations written as statements
(\`the reverse of "kavo" is "ovak".\`, \`17 + 25 = 42.\`, chained statements) plus spelling, counting, alphabet facts,
comparisons and simple sentences over the same characters (\`src/core/demo/pretrainCorpus.ts\`). Instruction
fine-tuning then has to teach it to *follow instructions* ("User: … Assistant: …"), as in the paper's setting.

| | |
|---|---|
| architecture | GPT-2 style (pre-LN, GELU, tied head), ${c.layers} layers × ${c.width} wide, ${c.heads} heads, MLP ${c.mlpRatio}×, context **${c.contextLength}** |
| parameters | ${countGptParams(c).toLocaleString('en-US')} (${(fileBytes / 1e6).toFixed(2)} MB as float32 safetensors) |
| tokenizer | characters: specials \`<pad>\` 0, \`<bos>\` 1, \`<eos>\` 2, \`<unk>\` 3, then ${c.vocabSize - 4} characters (the demo's charset + the text of both prompt templates), stored in the file's \`__metadata__\` |
${stages.map((s, i) => `| ${label(i)} | ${stageRows(s.o, s.r)}${i > 0 ? ', continuing from the previous stage with a fresh optimizer' : ''} |`).join('\n')}
| text | packed \`<bos> document <eos>\` text of \`PRETRAIN_MIXES\` in \`pretrainCorpus.ts\`, next-token loss on every token; ${tokens.toLocaleString('en-US')} tokens in all |
| optimiser | AdamW β (0.9, 0.95), weight decay ${o.weightDecay} (matrices only), clip 1.0, warm-up ${o.warmupRatio * 100}% then cosine to ${o.minLrRatio}× of the peak${many ? ', per stage' : ''} |
| seeds | ${startsFrom}, corpus ${o.corpusSeed} (held-out corpus text: ${o.corpusSeed + 1}) |
| final loss | train ${windowMean(last.r.losses, last.r.losses.length).toFixed(3)}, held-out corpus ${last.r.evals[last.r.evals.length - 1]!.loss.toFixed(3)} nats/char (on the \`${o.mix}\` mix's text) |
| time | **${formatDuration(wallMs)}** wall (${formatDuration(trainMs)} in training steps${many ? `: ${stages.map((s) => formatDuration(s.r.trainMs)).join(' + ')}` : ''}) on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, tfjs wasm backend, machine shared with other work |

Regenerate (writes this folder; the same command gives the same weights on the same CPU and backend — another CPU
can round differently and give a model of the same quality, not the same bytes):

\`\`\`
${command}
\`\`\`

Why this size: the demo's longest templated record is 291 characters (a level-5 chain; the length-OOD file's
longest is 295), so the context is 320 rather than the preset's 64 — every demo prompt fits whole. Width and depth
are the \`tiny\` preset (2 layers × 64): per minute of CPU it learned more than the \`small\` preset (4 × 128,
4.2× slower per token here), it keeps fine-tuning in the browser quick and the multi-seed experiment affordable, and
it is 0.5 MB.

Why these stages: a character model learns to *copy* (to form induction heads) only after a while, and every demo
task starts by reading a word out of the prompt. Stage 1 (mix \`v1\`, many repeats) gets there: the log prints a
greedy completion of a held-out copying statement at every evaluation, and it copies the first letters from about
step 2 000 and the whole word from about step 3 000 on. Stage 2 (mix \`ops\`) then weights the demo's operations up
and states every query with its answer after the word. The same mix from scratch never learned to copy; stage 2 on
top of stage 1 lifted fine-tuned exact match on level 1 from ~52 % to ~76 % (docs/BASE_MODEL_ATTEMPTS.md, which
also says what did not work: level 2's reverse, sort and addition stay out of reach of this size). Most steps
train on rows of 128 tokens (a statement is under 100 characters): more updates for the same tokens.

Loss curve (train: mean of the ${o.logEvery} steps up to that point; held-out: ${o.evalRows} rows of unseen corpus text${many ? ' of that stage\'s mix' : ''}):

| ${many ? 'stage | ' : ''}step | train loss | held-out loss |
|${many ? '---|' : ''}---|---|---|
${curve}

Greedy continuations of statement openings after pretraining (no instruction tuning):

${last.r.samples.map((s) => `- \`${s.prompt}\` → \`${s.continuation}\``).join('\n')}

Greedy exact match on ${last.r.probes[0]?.total ?? 0} held-out statements per operation (\`operationProbes\` in
\`pretrainCorpus.ts\`; the answer and the character after it, e.g. \`the reverse of "kavo" is "\` → \`ovak"\`):

| operation [demo level] | correct |
|---|---:|
${last.r.probes.map((p) => `| ${p.op} | ${p.correct}/${p.total} |`).join('\n')}

Overlap: the corpus draws random words and numbers; a short word (3–5 letters) can also occur in a held-out demo
record. The base model is the same for every arm of an experiment, so this does not favour any arm.
`;
}

function windowMean(losses: number[], upTo: number, width = 20): number {
  const w = losses.slice(Math.max(0, upTo - width), upTo);
  return w.reduce((a, b) => a + b, 0) / Math.max(1, w.length);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

// ───────────────────────────── CLI ─────────────────────────────

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      micro: { type: 'boolean' },
      out: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'corpus-seed': { type: 'string' },
      init: { type: 'string' },
      backend: { type: 'string' },
      preset: { type: 'string' },
      layers: { type: 'string' },
      width: { type: 'string' },
      heads: { type: 'string' },
      mix: { type: 'string' },
      'short-fraction': { type: 'string' },
      'short-length': { type: 'string' },
      probes: { type: 'string' },
      'probe-every-eval': { type: 'boolean' },
      evaluate: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run make:base -- [--micro] [--out DIR] [--steps N] [--batch B] [--lr X] [--seed S] [--corpus-seed S] [--backend wasm|cpu]\n' +
        '       [--preset tiny|small] [--layers L] [--width W] [--heads H] [--mix v1|ops|focus] [--short-fraction F] [--short-length T]\n' +
        '       [--probes N] [--probe-every-eval] [--init FILE]\n' +
        '       npm run make:base -- --evaluate FILE [--probes N]   # only probe an existing checkpoint\'s operations',
    );
    return;
  }
  const o: BaseModelOptions = { ...(values.micro ? MICRO_DEFAULTS : BASE_DEFAULTS) };
  const num = (v: string | undefined, what: string, int = true): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n <= 0) throw new Error(`--${what} must be a positive ${int ? 'integer' : 'number'}, got ${v}`);
    return n;
  };
  o.steps = num(values.steps, 'steps') ?? o.steps;
  o.batchSize = num(values.batch, 'batch') ?? o.batchSize;
  o.lr = num(values.lr, 'lr', false) ?? o.lr;
  o.seed = num(values.seed, 'seed') ?? o.seed;
  o.corpusSeed = num(values['corpus-seed'], 'corpus-seed') ?? o.corpusSeed;
  if (values.init !== undefined) o.initPath = values.init;
  if (values.preset !== undefined) {
    const preset = GPT_PRESETS[values.preset as GptPresetName];
    if (preset === undefined) throw new Error(`--preset must be one of ${Object.keys(GPT_PRESETS).join(', ')}, got ${values.preset}`);
    o.shape = { ...preset, contextLength: o.shape.contextLength };
  }
  o.shape = {
    ...o.shape,
    layers: num(values.layers, 'layers') ?? o.shape.layers,
    width: num(values.width, 'width') ?? o.shape.width,
    heads: num(values.heads, 'heads') ?? o.shape.heads,
  };
  if (values.mix !== undefined) {
    if (!(values.mix in PRETRAIN_MIXES)) throw new Error(`--mix must be one of ${Object.keys(PRETRAIN_MIXES).join(', ')}, got ${values.mix}`);
    o.mix = values.mix as PretrainMixName;
  }
  if (values['short-fraction'] !== undefined) {
    const f = Number(values['short-fraction']);
    if (!(f >= 0 && f <= 1)) throw new Error(`--short-fraction must be in [0, 1], got ${values['short-fraction']}`);
    o.shortFraction = f;
  }
  o.shortLength = num(values['short-length'], 'short-length') ?? o.shortLength;
  o.probesPerOp = num(values.probes, 'probes') ?? o.probesPerOp;
  if (values['probe-every-eval']) o.probeEveryEval = true;
  const outDir = resolve(values.out ?? 'public/models/base');
  const backend = (values.backend ?? 'wasm') as 'wasm' | 'cpu';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${backend}`);

  const t0 = performance.now();
  await setNodeBackend(backend);
  if (values.evaluate !== undefined) {
    const ck = loadCheckpoint(new Uint8Array(readFileSync(resolve(values.evaluate))));
    try {
      const scores = await probeOperations(ck.config, ck.params, ck.tokenizer, o.probesPerOp);
      console.log(`${values.evaluate}: ${formatProbes(scores)}`);
      for (const sc of scores) console.log(`  ${sc.op}: ${JSON.stringify(sc.example.prompt)} → ${JSON.stringify(sc.example.got)} (expected ${JSON.stringify(sc.example.expected)})`);
    } finally {
      disposeGptParams(ck.params);
    }
    return;
  }
  const command = `npm run make:base${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  // --steps, --lr, --mix or --init describe one stage of the user's own; otherwise the recipe's stages run.
  const ownStage = [values.steps, values.lr, values.mix, values.init].some((v) => v !== undefined);
  const recipe = ownStage ? [{}] : values.micro ? MICRO_STAGES : SHIPPED_STAGES;
  const stages = await runStages(o, recipe, command);
  const bytes = stages.bytes;
  const wallMs = performance.now() - t0;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'base.safetensors'), bytes);
  writeFileSync(join(outDir, 'README.md'), readme(stages.runs, wallMs, command, bytes.length));
  console.log(`wrote ${join(outDir, 'base.safetensors')} (${(bytes.length / 1e6).toFixed(2)} MB) and README.md in ${formatDuration(wallMs)}`);
}

/** Runs the stages in order, each from the previous one's weights; returns the last checkpoint and every stage's run. */
export async function runStages(
  base: BaseModelOptions,
  recipe: readonly Partial<BaseModelOptions>[],
  command: string,
  log: (line: string) => void = console.log,
): Promise<{ bytes: Uint8Array; runs: StageRun[] }> {
  const runs: StageRun[] = [];
  let bytes: Uint8Array | undefined;
  for (const [i, stage] of recipe.entries()) {
    const o: BaseModelOptions = { ...base, ...stage };
    o.evalEvery = Math.min(o.evalEvery, o.steps);
    if (bytes !== undefined) {
      o.initBytes = bytes;
      o.initPath = `stage ${i} of this command`;
    }
    if (recipe.length > 1) log(`── stage ${i + 1} of ${recipe.length}: mix ${o.mix}, ${o.steps} steps, peak LR ${o.lr}`);
    const meta: Record<string, string> = { 'base.command': command };
    if (recipe.length > 1) meta['base.stages'] = recipe.map((_, j) => `${j + 1}: ${describeStage({ ...base, ...recipe[j] })}`).join('; ');
    const r = await makeBaseModel(o, log, meta);
    bytes = r.bytes;
    runs.push({ o, r });
  }
  return { bytes: bytes!, runs };
}

function describeStage(o: BaseModelOptions): string {
  return `mix ${o.mix}, ${o.steps} steps, peak LR ${o.lr}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
