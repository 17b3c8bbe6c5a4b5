/**
 * The scale-out recipe: for a user who outgrows the browser, the phase plan as a ready LLaMA-Factory setup that runs
 * the paper's uptraining on a multi-GPU machine — per-phase Alpaca JSONL, `data/dataset_info.json`, one training
 * YAML per stage where each stage starts from the previous stage's `output_dir`, a DeepSpeed config, `run_phased.sh`
 * and `run_oneoff.sh` (the baseline: all phases shuffled, trained once with the same settings), and a README.
 *
 * Beside it, in `trl/`, the same experiment as a TRL + accelerate recipe (./trlRecipe.ts), the one the studio tests
 * end to end. Every file is text; file names are paths inside the recipe folder (`data/x.jsonl`); the caller
 * downloads them as one zip ({@link zipRecipe}). LLaMA-Factory field names come only from its argument definitions
 * and documentation: see ./llamaFactoryFields.ts.
 *
 * This file assembles the recipe; each kind of file is written by its own module beside it.
 */
import type { InstructionRecord } from '../data/record';
import { hasHistory, phaseJsonlFiles, type ExportFile } from '../phases/export';
import type { PhasePlan } from '../phases/plan';
import { createRng, deriveSeed, shuffleInPlace } from '../util/random';
import { datasetInfoJson } from './datasetInfo';
import { deepspeedConfigJson } from './deepspeedConfig';
import { recipeReadme } from './recipeReadme';
import { oneOffScript, phasedScript } from './runScripts';
import { DATA_DIR, resolveScaleOut, type ScaleOutOptions } from './scaleOutOptions';
import { oneOffYaml, stageYaml } from './trainingYaml';
import { trlRecipeFiles } from './trlRecipe';

export type { ExportFile } from '../phases/export';
export { zipFileName, zipRecipe } from './zip';
export { PAPER_RECIPE_HYPER, scaleOutHyperFromRun, type ScaleOutHyper } from './scaleOutHyper';
export { TRL_DIR, TRL_TESTED_VERSIONS } from './trlFiles';
export { shellWord } from './runScripts';
export { RECIPE_TEMPLATE_CHOICES, recipeTemplateValue } from './recipeTemplate';
export {
  CONFIG_DIR,
  DATA_DIR,
  DEFAULT_BASE_MODEL,
  DEFAULT_GPUS,
  DEFAULT_TEMPLATE,
  DONE_MARKER,
  resolveScaleOut,
  SAVES_DIR,
  ScaleOutError,
  type DeepSpeedStage,
  type ResolvedScaleOut,
  type ScaleOutOptions,
  type ScaleOutRun,
  type ScaleOutStage,
} from './scaleOutOptions';

/**
 * The whole recipe as files whose names are paths inside the recipe folder: data/…jsonl, data/dataset_info.json,
 * configs/stage-K_phase-P.yaml (+ configs/one-off.yaml), configs/ds_zN_config.json, run_phased.sh, run_oneoff.sh,
 * the TRL recipe under trl/ and README.md. Throws a {@link ScaleOutError} for options that cannot make a working recipe.
 */
export function scaleOutRecipe(
  plan: PhasePlan,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  options: ScaleOutOptions = {},
): ExportFile[] {
  const r = resolveScaleOut(plan, options);
  const jsonl = phaseJsonlFiles(plan, records, scores, { baseName: r.base });
  // Every phase has records (resolveScaleOut refuses an empty one); the held-out file exists only when records are held out.
  const phaseFiles = jsonl.slice(0, plan.phases.length);
  const heldOutFile = jsonl[plan.phases.length];
  plan.phases.forEach((ph, i) => {
    if (phaseFiles[i]!.fileName !== `${r.base}.phase-${ph.index}.jsonl`)
      throw new Error(`Unexpected phase file name ${phaseFiles[i]!.fileName}.`);
  });

  const files: ExportFile[] = [];
  const add = (fileName: string, text: string) => files.push({ fileName, text });

  const withHistory = new Set(jsonl.filter(hasHistory).map((f) => f.fileName));
  if (r.oneOff && phaseFiles.some((f) => withHistory.has(f.fileName))) withHistory.add(r.oneOff.dataFile);
  add(`${DATA_DIR}/dataset_info.json`, datasetInfoJson(r, withHistory));
  for (const f of phaseFiles) add(`${DATA_DIR}/${f.fileName}`, f.text);
  if (r.oneOff) {
    const lines = phaseFiles.flatMap((f) => f.text.split('\n').filter((l) => l !== ''));
    shuffleInPlace(lines, createRng(deriveSeed(r.hyper.seed, 'scale-out/one-off')));
    add(`${DATA_DIR}/${r.oneOff.dataFile}`, lines.map((l) => `${l}\n`).join(''));
  }
  if (heldOutFile) add(`${DATA_DIR}/${heldOutFile.fileName}`, heldOutFile.text);

  for (const st of r.stages) add(st.config, stageYaml(r, st));
  if (r.oneOff) add(r.oneOff.config, oneOffYaml(r, r.oneOff));
  add(r.deepspeedConfig, deepspeedConfigJson(r.deepspeed));
  add('run_phased.sh', phasedScript(r));
  if (r.oneOff) add('run_oneoff.sh', oneOffScript(r, r.oneOff));
  files.push(...trlRecipeFiles(r, plan, records, scores));
  add('README.md', recipeReadme(r, ['README.md', ...files.map((f) => f.fileName)]));
  // README first: it is what a person opens.
  return [files[files.length - 1]!, ...files.slice(0, -1)];
}
