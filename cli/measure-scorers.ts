/**
 * How well does each automatic scorer agree with difficulty we know? On the demo suite (levels set by
 * construction), prints Spearman ρ against the level for the heuristic, response loss and IFD, with per-level
 * means of the raw model values. The tables are quoted in docs/DIFFICULTY.md ("Model-based scorers").
 *
 *   npx tsx cli/measure-scorers.ts
 *       the shipped base model (public/models/base/base.safetensors) when it exists, else a randomly initialised
 *       model — labelled as such in every line, since its numbers only show what "no knowledge" gives
 *   npx tsx cli/measure-scorers.ts --random
 *       a randomly initialised model even when the base model exists: the floor the others are read against
 *   npx tsx cli/measure-scorers.ts --model run/checkpoint.safetensors
 *       any checkpoint written by the studio (config and tokenizer inside)
 *   npx tsx cli/measure-scorers.ts --judge-url http://localhost:8080/v1 --judge-model NAME [--concurrency 4]
 *       also a real LLM judge (key from $JUDGE_API_KEY, if any). Left out by default: a stub judge that answers
 *       from the known level would measure nothing.
 *
 * Options: --backend wasm|cpu (default wasm), --batch N (default 32), --limit N (first N records), --seed N
 * (random-model seed, default 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDataset } from '../src/core/data/parseDataset';
import type { InstructionRecord } from '../src/core/data/record';
import { heuristicScore } from '../src/core/difficulty/heuristicScorer';
import { measureResponseLosses, percentileScale, type ScoringModel } from '../src/core/difficulty/ifd';
import { runJudge } from '../src/core/difficulty/judge/judgeScorer';
import { spearman } from '../src/core/difficulty/spearman';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { GPT_PRESETS, type GptConfig } from '../src/core/model/config';
import { disposeGptParams, initGptParams } from '../src/core/model/gpt';
import { CharTokenizer } from '../src/core/tokenizer/charTokenizer';
import { setNodeBackend, type NodeBackendName } from '../src/core/kernels/nodeBackends';

const DEMO = 'public/demo/demo-suite.json';
const BASE_MODEL = 'public/models/base/base.safetensors';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const f3 = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

interface LoadedModel {
  model: ScoringModel;
  label: string;
  random: boolean;
}

function loadModel(
  records: readonly InstructionRecord[],
  path: string | undefined,
  seed: number,
  forceRandom: boolean,
): LoadedModel {
  const file = forceRandom ? undefined : (path ?? (existsSync(BASE_MODEL) ? BASE_MODEL : undefined));
  if (file !== undefined) {
    const ck = loadCheckpoint(new Uint8Array(readFileSync(file)));
    const c = ck.config;
    return {
      model: { config: c, params: ck.params, tokenizer: ck.tokenizer },
      label: `${basename(file)} (${c.layers} layers, width ${c.width}, context ${c.contextLength}, ${ck.tokenizer.kind} tokenizer)`,
      random: false,
    };
  }
  // No trained model: a randomly initialised GPT with a character tokenizer over the demo's own text. Its context
  // holds the longest demo record, so nothing is truncated.
  const tokenizer = CharTokenizer.fromTexts(
    records.map((r) => `${r.instruction}${r.input}${r.output}`),
    { alwaysInclude: 'User: \nAssistant' },
  );
  const config: GptConfig = { ...GPT_PRESETS.tiny, contextLength: 320, vocabSize: tokenizer.vocabSize };
  return {
    model: { config, params: initGptParams(config, seed), tokenizer },
    label: `RANDOMLY INITIALISED model (tiny preset, context 320, char tokenizer, seed ${seed}): what a model that knows nothing gives`,
    random: true,
  };
}

interface Row {
  scorer: string;
  model: string;
  rho: number;
  scored: number;
  seconds: number;
}

async function main(): Promise<void> {
  const backend = (arg('--backend') ?? 'wasm') as NodeBackendName;
  const batchSize = Number(arg('--batch') ?? 32);
  const limit = arg('--limit') === undefined ? undefined : Number(arg('--limit'));
  const seed = Number(arg('--seed') ?? 1);
  await setNodeBackend(backend);

  const parsed = await parseDataset(new Uint8Array(readFileSync(DEMO)), basename(DEMO));
  const records = limit === undefined ? parsed.records : parsed.records.slice(0, limit);
  const levels = records.map((r) => r.score ?? Number.NaN);
  console.log(
    `## Demo suite: ${DEMO}, ${records.length} records, levels 1–5 (known by construction); backend ${backend}\n`,
  );

  const rows: Row[] = [];
  let t = performance.now();
  const heuristic = records.map((r) => heuristicScore(r));
  rows.push({
    scorer: 'heuristic',
    model: '—',
    rho: spearman(heuristic, levels),
    scored: records.length,
    seconds: (performance.now() - t) / 1000,
  });

  const { model, label, random } = loadModel(records, arg('--model'), seed, process.argv.includes('--random'));
  const short = random ? 'random init' : basename(arg('--model') ?? BASE_MODEL);
  console.log(`Model: ${label}\n`);
  t = performance.now();
  const losses = await measureResponseLosses(records, model, { withoutPrompt: true, batchSize, template: 'paper' });
  const seconds = (performance.now() - t) / 1000;
  const ifd = losses.ifd!;
  const scoredCount = (xs: Float64Array) => xs.reduce((n, x) => n + (Number.isNaN(x) ? 0 : 1), 0);
  // Response loss needs only the prompted pass; timing both passes together, it is about half of this.
  rows.push({
    scorer: 'response loss s(A|Q)',
    model: short,
    rho: spearman(losses.conditional, levels),
    scored: scoredCount(losses.conditional),
    seconds: seconds / 2,
  });
  rows.push({ scorer: 'IFD s(A|Q)/s(A)', model: short, rho: spearman(ifd, levels), scored: scoredCount(ifd), seconds });
  rows.push({
    scorer: 's(A) alone (no prompt)',
    model: short,
    rho: spearman(losses.unconditional!, levels),
    scored: scoredCount(losses.unconditional!),
    seconds: seconds / 2,
  });
  // The 1–5 mapping is a rank transform: ρ is unchanged by it (checked here, not assumed).
  const mappedRho = spearman(percentileScale(ifd), levels);

  const judgeUrl = arg('--judge-url');
  if (judgeUrl !== undefined) {
    t = performance.now();
    const judge = await runJudge(records, {
      baseUrl: judgeUrl,
      model: arg('--judge-model') ?? '',
      apiKey: process.env.JUDGE_API_KEY,
      concurrency: Number(arg('--concurrency') ?? 4),
    });
    rows.push({
      scorer: 'LLM judge',
      model: arg('--judge-model') ?? '?',
      rho: spearman(judge.scores, levels),
      scored: scoredCount(judge.scores),
      seconds: (performance.now() - t) / 1000,
    });
    if (judge.problems.length > 0)
      console.log(`(judge: ${judge.problems.length} records unscored; first: ${judge.problems[0]!.message})\n`);
  }

  console.log('| scorer | model | ρ with level | records scored | seconds |');
  console.log('|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.scorer} | ${r.model} | **${f3(r.rho)}** | ${r.scored} | ${r.seconds.toFixed(1)} |`);
  console.log(
    `\nρ of the 1–5 IFD scores (rank mapping) = ${f3(mappedRho)} (the mapping keeps the order, so ρ is that of raw IFD)`,
  );
  console.log(
    `Batch shapes ${losses.batchShapes.map((b) => `[${b.join(', ')}]`).join(', ')}; ${losses.readbacks} readbacks; ${losses.truncated} records truncated by the context; ${seconds.toFixed(1)} s for both passes.`,
  );
  console.log(
    `ρ(IFD, heuristic) = ${f3(spearman(ifd, heuristic))}, ρ(response loss, heuristic) = ${f3(spearman(losses.conditional, heuristic))}`,
  );
  const lengths = records.map((r) => r.output.length);
  console.log(
    `ρ(IFD, response length) = ${f3(spearman(ifd, lengths))}, ρ(response loss, response length) = ${f3(spearman(losses.conditional, lengths))}\n`,
  );

  console.log('Per level (means of the raw values):\n');
  console.log('| level | n | s(A|Q) | s(A) | IFD | IFD > 1 | response chars |');
  console.log('|---|---|---|---|---|---|---|');
  for (const l of [1, 2, 3, 4, 5]) {
    const idx = levels.flatMap((v, i) => (v === l && !Number.isNaN(ifd[i]!) ? [i] : []));
    if (idx.length === 0) continue;
    const above = idx.filter((i) => ifd[i]! > 1).length;
    console.log(
      `| ${l} | ${idx.length} | ${f3(mean(idx.map((i) => losses.conditional[i]!)))} | ${f3(mean(idx.map((i) => losses.unconditional![i]!)))} | ${f3(mean(idx.map((i) => ifd[i]!)))} | ${((100 * above) / idx.length).toFixed(0)} % | ${mean(idx.map((i) => lengths[i]!)).toFixed(1)} |`,
    );
  }
  if (judgeUrl === undefined) {
    console.log(
      '\nLLM judge: not measured. A local stub judge would only echo what it is told; run with --judge-url and --judge-model against a real model to add it.',
    );
  }
  if (random)
    console.log(
      '\nAll model-based rows above come from a RANDOMLY INITIALISED model: they show what a model that knows nothing gives.',
    );
  disposeGptParams(model.params);
  tf.disposeVariables();
}

await main();
