/**
 * The studio's built-in base model: the char-level GPT pretrained from scratch on the plain-text corpus of
 * pretrainCorpus.ts (statements, not instructions) with core/train/pretrain.ts, in the stages of the shipped recipe,
 * then probed (greedy continuations, exact match per operation) and written as a checkpoint. `npm run make:base`
 * (cli/make-base-model.ts) is its command line: arguments, files and the README.
 *
 * Fixed seeds: the same options give the same weights on the same machine and backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { greedyGenerate } from '../eval/generate';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { countGptParams, GPT_PRESETS, validateGptConfig, type GptConfig, type GptShape } from '../model/config';
import { disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { pretrain, rowLengthAt, shortRowSteps, type PretrainSettings } from '../train/pretrain';
import {
  createBaseTokenizer,
  DEFAULT_PRETRAIN_MIX,
  DEFAULT_PRETRAIN_SEED,
  operationProbes,
  PackedStream,
  PRETRAIN_MIXES,
  type PretrainMixName,
} from './pretrainCorpus';

/** The pretraining settings (`PretrainSettings`: steps, batch, schedule, decay, short rows) and the model's. */
export interface BaseModelOptions extends PretrainSettings {
  shape: GptShape;
  /** Model init seed. */
  seed: number;
  /** Seed of the corpus stream (held-out text comes from a stream of seed + 1). */
  corpusSeed: number;
  /** Held-out rows of contextLength + 1 tokens for the held-out corpus loss. */
  evalRows: number;
  /**
   * Continue from these checkpoint bytes instead of a fresh init (same shape and tokenizer; the optimizer starts
   * fresh, with its own warm-up): a second stage on another mix, e.g. operations after copying.
   */
  initBytes?: Uint8Array;
  /** Where `initBytes` came from (a file, or an earlier stage of one command), for the log and the checkpoint's meta. */
  initPath?: string;
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
export async function probeOperations(
  config: GptConfig,
  params: GptParams,
  tokenizer: Tokenizer,
  perOp: number,
): Promise<OperationScore[]> {
  const probes = operationProbes(perOp);
  const gens = await greedyGenerate(
    { config, params },
    probes.map((p) => [tokenizer.bosId, ...tokenizer.encode(p.prompt)]),
    { maxNewTokens: probes.map((p) => p.expected.length), eosId: tokenizer.eosId },
  );
  const scores = new Map<string, OperationScore>();
  probes.forEach((p, i) => {
    const got = tokenizer.decode(gens[i]!.ids);
    const s = scores.get(p.op) ?? {
      op: p.op,
      correct: 0,
      total: 0,
      example: { prompt: p.prompt, expected: p.expected, got },
    };
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

/** The weights of a checkpoint to continue from; its shape and tokenizer must be the ones this run would make. */
function loadInit(
  bytes: Uint8Array,
  path: string,
  config: GptConfig,
  tokenizer: Tokenizer,
  log: (line: string) => void,
): GptParams {
  const ck = loadCheckpoint(bytes);
  const key = (c: GptConfig) => JSON.stringify([c.layers, c.width, c.heads, c.mlpRatio, c.contextLength, c.vocabSize]);
  if (key(ck.config) !== key(config) || JSON.stringify(ck.tokenizer.toJSON()) !== JSON.stringify(tokenizer.toJSON())) {
    disposeGptParams(ck.params);
    throw new Error(
      `--init ${path}: its shape or tokenizer differs from this run's (${key(ck.config)} vs ${key(config)}); pass the same --layers/--width/--heads.`,
    );
  }
  log(
    `continuing from ${path} (${ck.meta['base.command'] ?? 'no command recorded'}; held-out loss ${ck.meta['base.heldOutLoss'] ?? '?'})`,
  );
  return ck.params;
}

/** The held-out statement whose greedy continuation shows whether the model can copy yet (what every demo task needs first). */
const COPY_PROBE = '"mirat" again is "';

/** Pretrains from scratch (or from `initBytes`) and returns the checkpoint bytes (weights, config, tokenizer; no optimizer state). */
export async function makeBaseModel(
  o: BaseModelOptions,
  log: (line: string) => void = console.log,
  extraMeta: Record<string, string> = {},
): Promise<BaseModelResult> {
  const tokenizer = createBaseTokenizer();
  const config = validateGptConfig({ ...o.shape, vocabSize: tokenizer.vocabSize });
  const T = config.contextLength;
  const B = o.batchSize;
  log(
    `model: ${config.layers} layers × ${config.width} wide, ${config.heads} heads, context ${T}, vocab ${config.vocabSize} ` +
      `(${(countGptParams(config) / 1e6).toFixed(3)}M parameters); ${o.steps} steps of ${B} × ${T} tokens; backend ${tf.getBackend()}`,
  );
  const params =
    o.initBytes !== undefined
      ? loadInit(o.initBytes, o.initPath ?? 'the previous stage', config, tokenizer, log)
      : initGptParams(config, o.seed);
  const mix = PRETRAIN_MIXES[o.mix];
  const evalStream = new PackedStream(tokenizer, o.corpusSeed + 1, mix);
  const heldOut = Array.from({ length: o.evalRows }, () => evalStream.next(T + 1));
  const shortSteps = shortRowSteps(o);
  if (shortSteps > 0) {
    log(
      `steps 1–${shortSteps} on rows of ${rowLengthAt(o, 0, T)} tokens${o.longEvery > 0 ? ` (every ${o.longEvery}th on full rows)` : ''}, then full rows of ${T}`,
    );
  }
  const model = { config, params };
  try {
    const trained = await pretrain({
      model,
      settings: o,
      corpus: new PackedStream(tokenizer, o.corpusSeed, mix),
      heldOut,
      onEvent: async (e) => {
        if (e.type === 'step') {
          log(
            `step ${String(e.step).padStart(5)}  loss ${e.meanLoss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ` +
              `${Math.round((e.tokens / e.trainMs) * 1000)} tok/s  ${(e.trainMs / 1000).toFixed(0)} s`,
          );
          return;
        }
        const [g] = await greedyGenerate(model, [[tokenizer.bosId, ...tokenizer.encode(COPY_PROBE)]], {
          maxNewTokens: 7,
          eosId: tokenizer.eosId,
        });
        log(
          `  held-out corpus loss @${e.step}: ${e.loss.toFixed(4)}   ${COPY_PROBE}→ ${JSON.stringify(tokenizer.decode(g!.ids))}`,
        );
        if (o.probeEveryEval && !e.last)
          log(
            `  operations @${e.step}: ${formatProbes(await probeOperations(config, params, tokenizer, o.probesPerOp))}`,
          );
      },
    });
    const { losses, evals, tokens, trainMs } = trained;
    const gens = await greedyGenerate(
      model,
      PROBES.map((p) => [tokenizer.bosId, ...tokenizer.encode(p)]),
      { maxNewTokens: 16, eosId: tokenizer.eosId },
    );
    const samples = PROBES.map((prompt, i) => ({
      prompt,
      continuation: tokenizer.decode(gens[i]!.ids).split('\n')[0]!,
    }));
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
        'base.finalTrainLoss': losses
          .slice(-o.logEvery)
          .reduce((a, b, _, xs) => a + b / xs.length, 0)
          .toFixed(4),
        'base.heldOutLoss': evals[evals.length - 1]!.loss.toFixed(4),
        ...extraMeta,
      },
    });
    return { bytes, config, losses, evals, tokens, trainMs, samples, probes };
  } finally {
    disposeGptParams(params);
  }
}

/** One stage's options and what it measured. */
export interface StageRun {
  o: BaseModelOptions;
  r: BaseModelResult;
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
    if (recipe.length > 1)
      log(`── stage ${i + 1} of ${recipe.length}: mix ${o.mix}, ${o.steps} steps, peak LR ${o.lr}`);
    const meta: Record<string, string> = { 'base.command': command };
    if (recipe.length > 1)
      meta['base.stages'] = recipe.map((_, j) => `${j + 1}: ${describeStage({ ...base, ...recipe[j] })}`).join('; ');
    const r = await makeBaseModel(o, log, meta);
    bytes = r.bytes;
    runs.push({ o, r });
  }
  return { bytes: bytes!, runs };
}

function describeStage(o: BaseModelOptions): string {
  return `mix ${o.mix}, ${o.steps} steps, peak LR ${o.lr}`;
}
