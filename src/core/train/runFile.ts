import type { InstructionRecord } from '../data/record';
import { GPT_PRESETS, type GptPresetName, type GptShape } from '../model/config';
import { planByCutoffs, DEFAULT_CUTOFFS, type PhasePlan } from '../phases/plan';
import type { HeldOutOptions } from '../phases/heldOut';
import { ARM_KINDS, type ArmSpec } from './arms';
import { PAPER_HYPER, type Hyper, type RunConfig } from './events';
import type { HeldOutRecord } from './runner';
import { TEMPLATE_NAMES, type TemplateName } from './template';

/**
 * The training file `npm run train -- --config run.json` reads: which data, which model, which arms, which
 * hyper-parameters. Paths are relative to the file itself. Everything but `dataset` has a default.
 *
 * {
 *   "dataset": "../../public/demo/demo-suite.json",
 *   "outDir": "../../runs/demo",
 *   "backend": "wasm",
 *   "model": { "preset": "tiny", "seed": 1, "overrides": { "contextLength": 128 } },
 *   "cutoffs": [1.5, 3.5],
 *   "heldOut": { "fraction": 0.05, "seed": 0, "maxPerPhase": 60 },
 *   "limitPerPhase": 0,
 *   "arms": [{ "kind": "one-off" }, { "kind": "easy-to-hard" }],
 *   "run": { "seed": 1, "logEvery": 10, "evalEvery": 50, "template": "paper", "contextLength": 128, "hyper": { "lr": 0.002 } }
 * }
 */
export interface TrainFile {
  dataset: string;
  outDir: string;
  backend: 'wasm' | 'cpu';
  model: { preset: GptPresetName; seed: number; overrides: Partial<GptShape> };
  cutoffs: number[];
  heldOut: HeldOutOptions;
  /** Train on at most this many records per phase (file order after the held-out split); 0 = all. For quick runs. */
  limitPerPhase: number;
  arms: ArmSpec[];
  run: Omit<RunConfig, 'arm'>;
}

export const DEFAULT_RUN: Omit<RunConfig, 'arm' | 'hyper'> = { seed: 1, logEvery: 10, evalEvery: 0, template: 'paper', contextLength: 128 };

/** Thrown with every problem of a training file, each naming its field. */
export class TrainFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`The training config has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n- ${problems.join('\n- ')}`);
    this.name = 'TrainFileError';
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validates a parsed training file and fills in defaults. */
export function parseTrainFile(json: unknown): TrainFile {
  const problems: string[] = [];
  if (!isObj(json)) throw new TrainFileError(['The file must hold one JSON object.']);
  const known = ['dataset', 'outDir', 'backend', 'model', 'cutoffs', 'heldOut', 'limitPerPhase', 'arms', 'arm', 'run'];
  for (const k of Object.keys(json)) if (!known.includes(k)) problems.push(`Unknown field "${k}" (known: ${known.join(', ')}).`);

  if (typeof json.dataset !== 'string' || !json.dataset) problems.push('"dataset" must be the path of a dataset file (relative to this config).');
  const outDir = json.outDir ?? 'runs';
  if (typeof outDir !== 'string') problems.push('"outDir" must be a path.');
  const backend = json.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') problems.push(`"backend" must be "wasm" or "cpu", got ${JSON.stringify(backend)}.`);

  const model = isObj(json.model) ? json.model : {};
  const preset = (model.preset ?? 'tiny') as GptPresetName;
  if (!(preset in GPT_PRESETS)) problems.push(`"model.preset" must be one of ${Object.keys(GPT_PRESETS).join(', ')}, got ${JSON.stringify(model.preset)}.`);
  const modelSeed = model.seed ?? 1;
  if (typeof modelSeed !== 'number' || !Number.isInteger(modelSeed)) problems.push('"model.seed" must be an integer.');
  const overrides = model.overrides ?? {};
  if (!isObj(overrides)) problems.push('"model.overrides" must be an object of model sizes (contextLength, layers, width, heads, …).');

  const cutoffs = json.cutoffs ?? [...DEFAULT_CUTOFFS];
  if (!Array.isArray(cutoffs) || !cutoffs.every((c) => typeof c === 'number')) problems.push('"cutoffs" must be an array of numbers, e.g. [1.5, 3.5].');

  const heldOutIn = isObj(json.heldOut) ? json.heldOut : {};
  const heldOut: HeldOutOptions = { fraction: 0.05, seed: 0, maxPerPhase: 100, ...(heldOutIn as Partial<HeldOutOptions>) };

  const limitPerPhase = json.limitPerPhase ?? 0;
  if (typeof limitPerPhase !== 'number' || !Number.isInteger(limitPerPhase) || limitPerPhase < 0) problems.push('"limitPerPhase" must be an integer ≥ 0 (0 = all).');

  let arms: unknown = json.arms ?? (json.arm !== undefined ? [json.arm] : [{ kind: 'one-off' }, { kind: 'easy-to-hard' }]);
  if (!Array.isArray(arms) || arms.length === 0) {
    problems.push('"arms" must be a non-empty array such as [{"kind": "one-off"}, {"kind": "easy-to-hard"}].');
    arms = [];
  }
  (arms as unknown[]).forEach((a, i) => {
    if (!isObj(a) || !ARM_KINDS.includes(a.kind as never)) problems.push(`arms[${i}].kind must be one of ${ARM_KINDS.join(', ')}.`);
    else if (a.kind === 'custom' && (!Array.isArray(a.order) || !a.order.every((p) => Number.isInteger(p)))) {
      problems.push(`arms[${i}] is custom and needs "order": a list of 1-based phase numbers, e.g. [2, 1, 3].`);
    }
  });

  const runIn = isObj(json.run) ? json.run : {};
  const runKeys = ['seed', 'logEvery', 'evalEvery', 'template', 'contextLength', 'hyper'];
  for (const k of Object.keys(runIn)) if (!runKeys.includes(k)) problems.push(`Unknown field "run.${k}" (known: ${runKeys.join(', ')}; the arm goes in "arms").`);
  const hyperIn = isObj(runIn.hyper) ? runIn.hyper : {};
  for (const k of Object.keys(hyperIn)) if (!(k in PAPER_HYPER)) problems.push(`Unknown hyper-parameter "run.hyper.${k}" (known: ${Object.keys(PAPER_HYPER).join(', ')}).`);
  const hyper = { ...PAPER_HYPER, ...(hyperIn as Partial<Hyper>) };
  for (const [k, v] of Object.entries(hyper)) {
    const want = typeof PAPER_HYPER[k as keyof Hyper];
    if (typeof v !== want) problems.push(`"run.hyper.${k}" must be a ${want}, got ${JSON.stringify(v)}.`);
  }
  const run = { ...DEFAULT_RUN, ...(runIn as Partial<RunConfig>), hyper };
  delete (run as Partial<RunConfig>).arm;
  if (!TEMPLATE_NAMES.includes(run.template as TemplateName)) problems.push(`"run.template" must be one of ${TEMPLATE_NAMES.join(', ')}.`);
  for (const k of ['seed', 'logEvery', 'evalEvery', 'contextLength'] as const) {
    if (typeof run[k] !== 'number' || !Number.isInteger(run[k])) problems.push(`"run.${k}" must be an integer.`);
  }

  if (problems.length) throw new TrainFileError(problems);
  return {
    dataset: json.dataset as string,
    outDir: outDir as string,
    backend: backend as 'wasm' | 'cpu',
    model: { preset, seed: modelSeed as number, overrides: overrides as Partial<GptShape> },
    cutoffs: cutoffs as number[],
    heldOut,
    limitPerPhase: limitPerPhase as number,
    arms: arms as ArmSpec[],
    run,
  };
}

export interface PhasedData {
  /** Training records per phase, easy → hard. */
  phases: InstructionRecord[][];
  heldOut: HeldOutRecord[];
  plan: PhasePlan;
}

/**
 * Phases from the records' own scores (`score`, or a `level`/`difficulty` field the reader turned into one), with the
 * held-out split of core/phases; held-out records carry their phase number as the bucket.
 */
export function phasesFromScores(
  records: readonly InstructionRecord[],
  cutoffs: readonly number[],
  heldOut: Partial<HeldOutOptions>,
  limitPerPhase = 0,
): PhasedData {
  const scores = Float64Array.from(records, (r) => (typeof r.score === 'number' ? r.score : NaN));
  const plan = planByCutoffs(records, scores, cutoffs, { scorerId: 'field', heldOut });
  const byId = new Map(records.map((r) => [r.id, r]));
  const phases = plan.phases.map((p) => {
    const ids = limitPerPhase > 0 ? p.recordIds.slice(0, limitPerPhase) : p.recordIds;
    return ids.map((id) => byId.get(id)!);
  });
  const held = plan.phases.flatMap((p) => p.heldOutIds.map((id) => ({ record: byId.get(id)!, bucket: String(p.index) })));
  return { phases, heldOut: held, plan };
}

/** A folder name for an arm: "one-off", "easy-to-hard", "custom-2-1-3". */
export function armSlug(spec: ArmSpec): string {
  return spec.kind === 'custom' ? `custom-${spec.order.join('-')}` : spec.kind;
}
