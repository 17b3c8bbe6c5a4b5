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
 * The recipe and its probes are src/core/demo/baseModel.ts, the loop src/core/train/pretrain.ts; this file reads
 * the arguments and writes the checkpoint and its README.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BASE_DEFAULTS,
  formatProbes,
  MICRO_DEFAULTS,
  MICRO_STAGES,
  probeOperations,
  runStages,
  SHIPPED_STAGES,
  type BaseModelOptions,
  type BaseModelResult,
  type StageRun,
} from '../src/core/demo/baseModel';
import { PRETRAIN_MIXES, type PretrainMixName } from '../src/core/demo/pretrainCorpus';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { countGptParams, GPT_PRESETS, type GptPresetName } from '../src/core/model/config';
import { disposeGptParams } from '../src/core/model/gpt';
import { shortRowSteps } from '../src/core/train/pretrain';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';

// ───────────────────────────── README ─────────────────────────────

function stageRows(o: BaseModelOptions, r: BaseModelResult): string {
  const T = r.config.contextLength;
  const short = shortRowSteps(o);
  const rows =
    short > 0
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
    .flatMap((s, i) =>
      s.r.evals.map(
        (e) =>
          `| ${many ? `${i + 1} | ` : ''}${e.step} | ${windowMean(s.r.losses, e.step).toFixed(3)} | ${e.loss.toFixed(3)} |`,
      ),
    )
    .join('\n');
  const startsFrom =
    first.o.initPath !== undefined ? `continued from \`${first.o.initPath}\`` : `model init ${first.o.seed}`;
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

Loss curve (train: mean of the ${o.logEvery} steps up to that point; held-out: ${o.evalRows} rows of unseen corpus text${many ? " of that stage's mix" : ''}):

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
        "       npm run make:base -- --evaluate FILE [--probes N]   # only probe an existing checkpoint's operations",
    );
    return;
  }
  const o: BaseModelOptions = { ...(values.micro ? MICRO_DEFAULTS : BASE_DEFAULTS) };
  const num = (v: string | undefined, what: string, int = true): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n <= 0)
      throw new Error(`--${what} must be a positive ${int ? 'integer' : 'number'}, got ${v}`);
    return n;
  };
  o.steps = num(values.steps, 'steps') ?? o.steps;
  o.batchSize = num(values.batch, 'batch') ?? o.batchSize;
  o.lr = num(values.lr, 'lr', false) ?? o.lr;
  o.seed = num(values.seed, 'seed') ?? o.seed;
  o.corpusSeed = num(values['corpus-seed'], 'corpus-seed') ?? o.corpusSeed;
  if (values.init !== undefined) {
    o.initPath = values.init;
    o.initBytes = new Uint8Array(readFileSync(values.init));
  }
  if (values.preset !== undefined) {
    const preset = GPT_PRESETS[values.preset as GptPresetName];
    if (preset === undefined)
      throw new Error(`--preset must be one of ${Object.keys(GPT_PRESETS).join(', ')}, got ${values.preset}`);
    o.shape = { ...preset, contextLength: o.shape.contextLength };
  }
  o.shape = {
    ...o.shape,
    layers: num(values.layers, 'layers') ?? o.shape.layers,
    width: num(values.width, 'width') ?? o.shape.width,
    heads: num(values.heads, 'heads') ?? o.shape.heads,
  };
  if (values.mix !== undefined) {
    if (!(values.mix in PRETRAIN_MIXES))
      throw new Error(`--mix must be one of ${Object.keys(PRETRAIN_MIXES).join(', ')}, got ${values.mix}`);
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
      for (const sc of scores)
        console.log(
          `  ${sc.op}: ${JSON.stringify(sc.example.prompt)} → ${JSON.stringify(sc.example.got)} (expected ${JSON.stringify(sc.example.expected)})`,
        );
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
  console.log(
    `wrote ${join(outDir, 'base.safetensors')} (${(bytes.length / 1e6).toFixed(2)} MB) and README.md in ${formatDuration(wallMs)}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
