/**
 * The TRL recipe's file names (inside `trl/` of the export, and what train_phased.py writes) and the versions it was
 * tested with: shared by the recipe, its READMEs and the end-to-end tests.
 */
import requirementsTxt from '../../../python/requirements.txt?raw';

/** The TRL recipe's folder inside the export. */
export const TRL_DIR = 'trl';
export const TRL_SCRIPT = 'train_phased.py';
export const TRL_RECIPE_JSON = 'recipe.json';
export const TRL_DS_CONFIG = 'ds_zero2.json';
export const TRL_ACCELERATE_MULTI_GPU = 'accelerate_multi_gpu.yaml';
export const TRL_ACCELERATE_ZERO2 = 'accelerate_zero2.yaml';
/** What train_phased.py writes into every stage's output folder. */
export const TRL_LOG_FILE = 'phased_ift_log.json';
export const TRL_EVAL_FILE = 'held_out_eval.json';

/** The versions the recipe was tested with end to end (python/requirements.txt, the test:scaleout run). */
export const TRL_TESTED_VERSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  requirementsTxt
    .split('\n')
    .map((l) => l.split('#')[0]!.trim())
    .filter((l) => l.includes('=='))
    .map((l) => l.split('==') as [string, string]),
);
