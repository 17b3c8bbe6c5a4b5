/**
 * The TRL recipe (`trl/` in the export): the same phases, records and settings as the LLaMA-Factory recipe beside it,
 * trained by Hugging Face TRL's SFTTrainer through one script, `train_phased.py` (python/trl_recipe/, imported as
 * text so the file that ships is the file the end-to-end test runs). `recipe.json` carries everything the run set:
 * stages in order, each from the previous stage's output, the run's template, and the hyper-parameters in
 * transformers' names.
 */
import type { InstructionRecord } from '../data/record';
import type { PhasePlan } from '../phases/plan';
import { createRng, deriveSeed, shuffleInPlace } from '../util/random';
import trainPhasedPy from '../../../python/trl_recipe/train_phased.py?raw';
import requirementsTxt from '../../../python/requirements.txt?raw';
import { accelerateDeepSpeedYaml, accelerateMultiGpuYaml } from './accelerateConfigs';
import { deepspeedConfigJson } from './deepspeedConfig';
import { trlLoraJson } from './loraRecipe';
import type { ResolvedScaleOut } from './scaleOutOptions';
import { trlJsonl } from './trlData';
import {
  TRL_ACCELERATE_MULTI_GPU,
  TRL_ACCELERATE_ZERO2,
  TRL_DIR,
  TRL_DS_CONFIG,
  TRL_RECIPE_JSON,
  TRL_SCRIPT,
} from './trlFiles';
import { trlReadme } from './trlReadme';
import type { ExportFile } from '../phases/export';

/** The records of the one-off baseline in the LLaMA-Factory file's order: every phase's, shuffled with the run's seed. */
export function oneOffIds(plan: PhasePlan, seed: number): string[] {
  const ids = plan.phases.flatMap((p) => [...p.recordIds]);
  return shuffleInPlace(ids, createRng(deriveSeed(seed, 'scale-out/one-off')));
}

/** recipe.json: what train_phased.py reads. Paths are relative to the trl/ folder. */
export function trlRecipeJson(r: ResolvedScaleOut): string {
  const h = r.hyper;
  const data = (file: string) => `data/${file}`;
  const recipe = {
    kind: 'phased-ift-studio/trl-recipe',
    version: 1,
    base_model: r.baseModel,
    // a studio template by name, or "chat": chat_template says which (source null: the base model's own)
    template: r.promptTemplate.kind === 'studio' ? r.promptTemplate.name : 'chat',
    chat_template:
      r.promptTemplate.kind === 'studio'
        ? null
        : r.promptTemplate.choice === 'model'
          ? { choice: 'model', source: null, needs_tokens: [] }
          : {
              choice: r.promptTemplate.choice,
              source: r.promptTemplate.source,
              needs_tokens: r.promptTemplate.needsTokens,
            },
    finetuning: r.lora ? 'lora' : 'full',
    lora: r.lora ? trlLoraJson(r.lora) : null,
    max_length: h.cutoffLen,
    output_root: 'saves',
    stages: r.stages.map((s) => ({
      stage: s.stage,
      phase: s.phase,
      data: data(s.dataFile),
      records: s.records,
      output_dir: `phased/stage-${s.stage}_phase-${s.phase}`,
    })),
    one_off: r.oneOff
      ? { stage: 1, phase: null, data: data(r.oneOff.dataFile), records: r.oneOff.records, output_dir: 'one-off' }
      : null,
    held_out: r.heldOut.records > 0 ? { data: data(r.heldOut.dataFile), records: r.heldOut.records } : null,
    hyper: {
      learning_rate: h.learningRate,
      num_train_epochs: h.epochsPerStage,
      warmup_ratio: h.warmupRatio,
      min_lr_ratio: h.minLrRatio,
      restart_schedule_per_phase: h.restartSchedulePerPhase,
      reset_optimizer_per_phase: h.resetOptimizerPerPhase,
      weight_decay: h.weightDecay,
      adam_beta1: h.adamBeta1,
      adam_beta2: h.adamBeta2,
      adam_epsilon: h.adamEpsilon,
      max_grad_norm: h.maxGradNorm,
      per_device_train_batch_size: h.perDeviceTrainBatchSize,
      gradient_accumulation_steps: h.gradientAccumulationSteps,
      bf16: h.bf16,
      seed: h.seed,
      logging_steps: h.loggingSteps,
    },
  };
  return `${JSON.stringify(recipe, null, 2)}\n`;
}

/** Every file of the TRL recipe, paths inside the export (trl/…). */
export function trlRecipeFiles(
  r: ResolvedScaleOut,
  plan: PhasePlan,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
): ExportFile[] {
  const phaseOfId = new Map<string, number>();
  for (const ph of plan.phases) for (const id of [...ph.recordIds, ...ph.heldOutIds]) phaseOfId.set(id, ph.index);
  const phaseOf = (id: string) => phaseOfId.get(id)!;
  const files: ExportFile[] = [];
  const add = (name: string, text: string) => files.push({ fileName: `${TRL_DIR}/${name}`, text });
  for (const ph of plan.phases)
    add(
      `data/${r.stages.find((s) => s.phase === ph.index)!.dataFile}`,
      trlJsonl(ph.recordIds, phaseOf, records, scores),
    );
  if (r.oneOff) add(`data/${r.oneOff.dataFile}`, trlJsonl(oneOffIds(plan, r.hyper.seed), phaseOf, records, scores));
  if (r.heldOut.records > 0)
    add(
      `data/${r.heldOut.dataFile}`,
      trlJsonl(
        plan.phases.flatMap((p) => p.heldOutIds),
        phaseOf,
        records,
        scores,
      ),
    );
  add(TRL_RECIPE_JSON, trlRecipeJson(r));
  add(TRL_SCRIPT, trainPhasedPy);
  add('requirements.txt', requirementsTxt);
  add(TRL_ACCELERATE_MULTI_GPU, accelerateMultiGpuYaml(r.gpus, r.hyper.bf16));
  add(TRL_ACCELERATE_ZERO2, accelerateDeepSpeedYaml(r.gpus, TRL_DS_CONFIG));
  add(TRL_DS_CONFIG, deepspeedConfigJson('z2'));
  add('README.md', trlReadme(r, ['README.md', ...files.map((f) => f.fileName.slice(TRL_DIR.length + 1))]));
  return [files[files.length - 1]!, ...files.slice(0, -1)];
}
