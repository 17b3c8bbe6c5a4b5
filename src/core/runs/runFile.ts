import * as v from 'valibot';
import type { InstructionRecord } from '../data/record';
import type { HeldOutRecord } from '../eval/heldOutLoss';
import type { GptPresetName, GptShape } from '../model/config';
import type { HeldOutOptions } from '../phases/heldOut';
import { planByCutoffs, DEFAULT_CUTOFFS, type PhasePlan } from '../phases/plan';
import type { ChatTemplateChoice } from '../text/chatTemplate';
import type { RunTemplate } from '../text/runTemplate';
import { TEMPLATE_NAMES, type TemplateName } from '../text/template';
import type { ArmSpec } from '../train/arms';
import { PAPER_HYPER } from '../train/hyper';
import type { RunConfig } from '../train/runConfig';
import { checkAgainst, pathText } from './schemaProblems';
import { PHASE_LIMITS, RUN_LIMITS } from './settingLimits';
import { armSchema, cutoffsSchema, hyperSchema, numberSetting, presetSchema } from './settingsSchema';

const ARMS_EXAMPLE = 'must be a non-empty array such as [{"kind": "one-off"}, {"kind": "easy-to-hard"}]';

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

export const DEFAULT_RUN: Omit<RunConfig, 'arm' | 'hyper' | 'template'> & { template: TemplateName } = {
  seed: 1,
  logEvery: 10,
  evalEvery: 0,
  template: 'paper',
  contextLength: 128,
};

/** What a training file's `run.template` may name: the studio's templates, or `model` / `chatml` / `llama3`. */
const FILE_TEMPLATES = [...TEMPLATE_NAMES, 'model', 'chatml', 'llama3'] as const;

/** Thrown with every problem of a training file, each naming its field. */
export class TrainFileError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The training config has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n- ${problems.join('\n- ')}`,
    );
    this.name = 'TrainFileError';
  }
}

const shapeKeys: readonly (keyof GptShape)[] = [
  'contextLength',
  'layers',
  'width',
  'heads',
  'mlpRatio',
  'layerNormEps',
  'attentionScale',
];

const trainFileSchema = v.object(
  {
    dataset: v.pipe(
      v.string('must be the path of a dataset file (relative to this config)'),
      v.minLength(1, 'must be the path of a dataset file (relative to this config)'),
    ),
    outDir: v.optional(v.string('must be a path'), 'runs'),
    backend: v.optional(v.picklist(['wasm', 'cpu'], 'must be "wasm" or "cpu"'), 'wasm'),
    model: v.optional(
      v.object(
        {
          preset: v.optional(presetSchema, 'tiny'),
          seed: v.optional(numberSetting(RUN_LIMITS.seed), 1),
          // Sizes are checked with the model itself (gptConfigFromPreset), which knows how they constrain each other.
          overrides: v.optional(
            v.object(
              Object.fromEntries(shapeKeys.map((k) => [k, v.optional(v.unknown())])),
              'must be an object of model sizes (contextLength, layers, width, heads, …)',
            ),
            {},
          ),
        },
        'must be an object: {"preset", "seed", "overrides"}',
      ),
      {},
    ),
    cutoffs: v.optional(cutoffsSchema, () => [...DEFAULT_CUTOFFS]),
    heldOut: v.optional(
      v.object(
        {
          fraction: v.optional(numberSetting(PHASE_LIMITS.heldOutFraction), 0.05),
          seed: v.optional(numberSetting(PHASE_LIMITS.seed), 0),
          maxPerPhase: v.optional(numberSetting(PHASE_LIMITS.maxPerPhase), 100),
        },
        'must be an object: {"fraction", "seed", "maxPerPhase"}',
      ),
      {},
    ),
    limitPerPhase: v.optional(numberSetting({ integer: true, min: 0 }), 0),
    arms: v.optional(v.pipe(v.array(armSchema, ARMS_EXAMPLE), v.minLength(1, ARMS_EXAMPLE))),
    arm: v.optional(armSchema),
    run: v.optional(
      v.object(
        {
          seed: v.optional(numberSetting(RUN_LIMITS.seed), DEFAULT_RUN.seed),
          logEvery: v.optional(numberSetting(RUN_LIMITS.logEvery), DEFAULT_RUN.logEvery),
          evalEvery: v.optional(numberSetting(RUN_LIMITS.evalEvery), DEFAULT_RUN.evalEvery),
          // The studio's templates by name, or a chat template read from the imported model's files.
          template: v.pipe(
            v.optional(v.picklist(FILE_TEMPLATES, `must be one of ${FILE_TEMPLATES.join(', ')}`), DEFAULT_RUN.template),
            v.transform((t): RunTemplate =>
              (TEMPLATE_NAMES as readonly string[]).includes(t)
                ? (t as TemplateName)
                : { chat: t as ChatTemplateChoice },
            ),
          ),
          contextLength: v.optional(numberSetting(RUN_LIMITS.contextLength), DEFAULT_RUN.contextLength),
          hyper: v.optional(hyperSchema(PAPER_HYPER), {}),
        },
        'must be an object of run settings',
      ),
      {},
    ),
  },
  'must hold one JSON object',
);

const wording = {
  unknownKey: (path: readonly (string | number)[]) =>
    path[path.length - 2] === 'hyper'
      ? `Unknown hyper-parameter "${pathText(path)}"`
      : `Unknown field "${pathText(path)}"${path.join('.') === 'run.arm' ? ': the arm goes in "arms"' : ''}`,
};

/** Validates a parsed training file and fills in defaults (the same schema and limits as the studio's Train form). */
export function parseTrainFile(json: unknown): TrainFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TrainFileError(['The file must hold one JSON object.']);
  const result = checkAgainst(trainFileSchema, json, wording);
  if (!result.ok) throw new TrainFileError(result.problems);
  const { arm, arms, model, run, ...rest } = result.value;
  return {
    ...rest,
    model: { preset: model.preset, seed: model.seed, overrides: model.overrides as Partial<GptShape> },
    arms: arms ?? (arm ? [arm] : [{ kind: 'one-off' }, { kind: 'easy-to-hard' }]),
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
  const held = plan.phases.flatMap((p) =>
    p.heldOutIds.map((id) => ({ record: byId.get(id)!, bucket: String(p.index) })),
  );
  return { phases, heldOut: held, plan };
}

/** A folder name for an arm: "one-off", "easy-to-hard", "custom-2-1-3". */
export function armSlug(spec: ArmSpec): string {
  return spec.kind === 'custom' ? `custom-${spec.order.join('-')}` : spec.kind;
}
