/**
 * Train arms of a phased instruction-tuning comparison in Node.
 *
 *   npm run train -- --config cli/examples/run.json [--backend wasm|cpu] [--out DIR] [--arm KIND] [--max-steps N]
 *   npm run train -- --config cli/examples/run.json --resume DIR/easy-to-hard/stop-phase1-step40.safetensors
 *   npm run train -- --config cli/examples/run.json --model path/to/hf-folder   # start from a Hugging Face model
 *
 * Reads the dataset (any format core/data reads), takes each record's own difficulty (`score`, `difficulty` or
 * `level`), cuts it into phases at the config's cut-offs (default 1.5 / 3.5), holds out records per phase, then
 * trains every arm from the same initial weights: the config's preset, randomly initialised, or with `--model` a
 * Hugging Face folder (config.json, model.safetensors or its shards, tokenizer.json or vocab.json + merges.txt; GPT-2
 * or GPT-Neo), loaded by the same core code as the studio's training worker (core/train/modelSource.ts). Per arm, `OUT/<arm>/metrics.jsonl` gets one event per line
 * (checkpoint events carry the file name instead of the bytes) and checkpoints land beside it as safetensors.
 * Ctrl-C stops the current arm at the next step and saves a checkpoint to resume from.
 */
import * as tf from '@tensorflow/tfjs-core';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDataset } from '../src/core/data/parseDataset';
import { countGptParams, gptConfigFromPreset } from '../src/core/model/config';
import { disposeGptParams, initGptParams, type GptParams } from '../src/core/model/gpt';
import { CharTokenizer } from '../src/core/tokenizer/charTokenizer';
import type { Tokenizer } from '../src/core/tokenizer/tokenizer';
import { budgetReport, buildArm, type ArmSpec } from '../src/core/train/arms';
import type { RunConfig } from '../src/core/train/runConfig';
import type { RunEvent } from '../src/core/train/events';
import { PhasedRunner, resumeFromCheckpoint, type RunnerInit } from '../src/core/train/runner';
import type { RunSummary } from '../src/core/train/runSummary';
import { startingModel } from '../src/core/train/modelSource';
import { armSlug, parseTrainFile, phasesFromScores, TrainFileError } from '../src/core/runs/runFile';
import { renderTemplate } from '../src/core/text/template';
import { useNodeBackend } from '../src/core/kernels/nodeBackends';
import { pathToFileURL } from 'node:url';
import { readHfFolder } from './hfFolder';

const USAGE =
  'usage: npm run train -- --config run.json [--backend wasm|cpu] [--out DIR] [--arm KIND] [--max-steps N] [--resume CKPT | --model HF_FOLDER]';

/** A problem with the command line or its files: printed without a stack. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      arm: { type: 'string' },
      'max-steps': { type: 'string' },
      resume: { type: 'string' },
      model: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.config) fail(USAGE);
  const configPath = resolve(values.config);
  let file;
  try {
    file = parseTrainFile(JSON.parse(readFileSync(configPath, 'utf8')));
  } catch (e) {
    if (e instanceof TrainFileError) fail(`${configPath}: ${e.message}`);
    fail(`${configPath}: cannot read the config: ${(e as Error).message}`);
  }
  const base = dirname(configPath);
  const outDir = values.out ? resolve(values.out) : resolve(base, file.outDir);
  const backend = (values.backend ?? file.backend) as 'wasm' | 'cpu';
  if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got ${backend}`);
  const maxSteps = values['max-steps'] !== undefined ? Number(values['max-steps']) : undefined;
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0))
    fail('--max-steps must be a positive integer');
  if (values.model && values.resume)
    fail('--model and --resume exclude each other: a checkpoint carries its own model.');
  let hf: ReturnType<typeof readHfFolder> | undefined;
  try {
    hf = values.model ? readHfFolder(resolve(values.model)) : undefined;
  } catch (e) {
    fail((e as Error).message);
  }

  await useNodeBackend(backend);

  // Data → phases.
  const datasetPath = resolve(base, file.dataset);
  const parsed = await parseDataset(new Uint8Array(readFileSync(datasetPath)), basename(datasetPath));
  const { records, report } = parsed;
  console.log(`${datasetPath}: ${parsed.formatLabel}, ${report.accepted} records (${report.rejected.length} rejected)`);
  const data = phasesFromScores(records, file.cutoffs, file.heldOut, file.limitPerPhase);
  if (data.plan.unscored.length > 0)
    console.log(`${data.plan.unscored.length} records have no score and are left out.`);
  data.phases.forEach((p, i) => {
    const ph = data.plan.phases[i]!; // one plan entry per phase
    console.log(
      `phase ${i + 1} [${ph.range[0]}, ${ph.range[1]}${i === data.phases.length - 1 ? ']' : ')'}: ${p.length} training, ${ph.heldOutIds.length} held out`,
    );
  });

  // Tokenizer and model: from the config, from the checkpoint when resuming, or from the Hugging Face folder (loaded
  // afresh for every arm, as the studio loads it for every run).
  let resumed: ReturnType<typeof resumeFromCheckpoint> | null = null;
  if (values.resume) resumed = resumeFromCheckpoint(new Uint8Array(readFileSync(resolve(values.resume))));
  const t = file.run.template;
  const templateTexts = typeof t === 'string' ? [renderTemplate(t, { instruction: '', input: 'x', output: '' })] : [];
  const tokenizer =
    resumed?.tokenizer ??
    CharTokenizer.fromTexts([...records.flatMap((r) => [r.instruction, r.input, r.output]), ...templateTexts]);
  const modelConfig =
    resumed?.model.config ?? gptConfigFromPreset(file.model.preset, tokenizer.vocabSize, file.model.overrides);
  const describeModel = (name: string, config: typeof modelConfig, tok: Tokenizer) =>
    console.log(
      `model: ${name} ${JSON.stringify(config)} (${(countGptParams(config) / 1e6).toFixed(2)}M parameters), ` +
        `tokenizer ${tok.kind} (${tok.vocabSize} ids), backend ${tf.getBackend()}`,
    );
  if (!hf) describeModel(file.model.preset, modelConfig, tokenizer);
  const armModel = async (
    config: RunConfig,
  ): Promise<{ config: RunConfig; model: { config: typeof modelConfig; params: GptParams }; tokenizer: Tokenizer }> => {
    if (resumed) return { config, model: resumed.model, tokenizer: resumed.tokenizer };
    if (!hf)
      return { config, model: { config: modelConfig, params: initGptParams(modelConfig, file.model.seed) }, tokenizer };
    const start = await startingModel({ kind: 'hf', files: hf.files, prune: false, name: hf.name }, config, data);
    describeModel(hf.name, start.model.config, start.tokenizer);
    for (const note of start.notes) console.log(`  ${note}`);
    return start;
  };

  let arms: ArmSpec[] = resumed ? [resumed.config.arm] : file.arms;
  if (values.arm && !resumed) arms = arms.filter((a) => armSlug(a) === values.arm || a.kind === values.arm);
  if (arms.length === 0)
    fail(`No arm matches --arm ${values.arm}; the config has ${file.arms.map(armSlug).join(', ')}.`);
  const budgets = budgetReport(
    arms.map((a) =>
      buildArm(data.phases, a, {
        epochsPerPhase: file.run.hyper.epochsPerPhase,
        replayFraction: file.run.hyper.replayFraction,
        seed: file.run.seed,
      }),
    ),
  );
  console.log(
    `budgets (records × epochs): ${budgets.budgets.map((b) => `${b.label} ${b.budget}`).join(', ')}${budgets.equal ? '' : '  ← NOT EQUAL'}`,
  );

  mkdirSync(outDir, { recursive: true });
  let current: PhasedRunner | null = null;
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\nstopping after this step (Ctrl-C again to quit without a checkpoint)…');
    current?.stop();
  });

  const summaries: Record<string, RunSummary & { budget: number }> = {};
  for (const arm of arms) {
    if (interrupted) break;
    const slug = armSlug(arm);
    const armDir = join(outDir, slug);
    mkdirSync(armDir, { recursive: true });
    const metricsPath = join(armDir, 'metrics.jsonl');
    const start = await armModel(resumed ? resumed.config : { ...file.run, arm });
    const { config } = start;
    const params = start.model.params;
    if (!resumed) writeFileSync(metricsPath, '');
    writeFileSync(
      join(armDir, 'run.json'),
      JSON.stringify(
        {
          config,
          model: start.model.config,
          ...(hf ? { hfModel: resolve(values.model!) } : {}),
          dataset: datasetPath,
          cutoffs: file.cutoffs,
        },
        null,
        2,
      ),
    );
    const onEvent = (e: RunEvent) => {
      let line: unknown = e;
      if (e.type === 'checkpoint') {
        const name = `${e.reason}-phase${e.phase + 1}-step${e.step}.safetensors`;
        writeFileSync(join(armDir, name), e.bytes);
        line = { ...e, bytes: undefined, file: name, sizeBytes: e.bytes.length };
        console.log(`  checkpoint ${join(slug, name)} (${(e.bytes.length / 1e6).toFixed(1)} MB)`);
      } else if (e.type === 'step') {
        console.log(
          `  [${slug}] phase ${e.phase + 1} step ${e.step} loss ${e.loss.toFixed(4)} lr ${e.lr.toExponential(2)} ` +
            `|g| ${e.gradNorm.toFixed(3)} ${Math.round(e.tokensPerSec)} tok/s`,
        );
      } else if (e.type === 'eval') {
        console.log(
          `  [${slug}] eval @${e.step}: held-out ${e.heldOutLoss.toFixed(4)} (${e.buckets.map((b) => `${b.bucket}: ${b.loss.toFixed(3)}`).join(', ')})`,
        );
      } else if (e.type === 'phaseStart') {
        console.log(
          `[${slug}] phase ${e.phase + 1} (${e.label}): ${e.records} records (+${e.replayed} replayed) × ${e.epochs} epochs = ${e.steps} steps` +
            (e.truncation.promptTruncated + e.truncation.responseTruncated > 0
              ? `; truncated to ${config.contextLength} tokens: ${e.truncation.promptTruncated} prompts, ${e.truncation.responseTruncated} responses`
              : ''),
        );
      } else if (e.type === 'error') {
        console.error(`[${slug}] ERROR: ${e.message}`);
      }
      appendFileSync(metricsPath, JSON.stringify(line) + '\n');
    };
    const init: RunnerInit = {
      config,
      model: start.model,
      tokenizer: start.tokenizer,
      phases: data.phases,
      heldOut: data.heldOut,
      onEvent,
    };
    if (resumed) init.resume = resumed.resume;
    if (maxSteps !== undefined) init.maxSteps = maxSteps;
    const runner = new PhasedRunner(init);
    if (resumed) tf.dispose(Object.values(resumed.resume.optimizerState ?? {}));
    current = runner;
    const summary = await runner.run();
    current = null;
    runner.dispose();
    disposeGptParams(params);
    summaries[slug] = { ...summary, losses: [], budget: runner.arm.budget };
    console.log(
      `[${slug}] ${summary.status}: ${summary.steps} steps, ${summary.tokensSeen} tokens, ` +
        `${(summary.elapsedMs / Math.max(1, summary.steps)).toFixed(1)} ms/step (warm-up ${summary.warmupMs.toFixed(0)} ms), ${summary.readbacks} readbacks`,
    );
    if (summary.status === 'error') process.exitCode = 2;
  }
  // Merge with an earlier summary so a resumed or single-arm run keeps the other arms' results.
  const summaryPath = join(outDir, 'summary.json');
  let earlier: { arms?: Record<string, unknown> } = {};
  try {
    earlier = JSON.parse(readFileSync(summaryPath, 'utf8')) as typeof earlier;
  } catch {
    // first run in this folder
  }
  writeFileSync(summaryPath, JSON.stringify({ budgets, arms: { ...(earlier.arms ?? {}), ...summaries } }, null, 2));
  console.log(`wrote ${outDir}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
