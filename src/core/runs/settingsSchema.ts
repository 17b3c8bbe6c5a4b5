import * as v from 'valibot';
import { GPT_PRESETS, type GptPresetName } from '../model/config';
import { LORA_TARGETS, type LoraSettings } from '../model/loraSettings';
import { validateCutoffs } from '../phases/plan';
import { ARM_KINDS, type ArmSpec } from '../train/arms';
import type { Hyper } from '../train/hyper';
import {
  describeLimit,
  HYPER_LIMITS,
  limitProblem,
  LORA_LIMITS,
  PHASE_LIMITS,
  RUN_LIMITS,
  type NumberLimit,
} from './settingLimits';
import {
  BACKEND_PREFERENCES,
  DEFAULT_TRAIN_SETTINGS,
  TEMPLATE_CHOICES,
  type ModelRef,
  type PhaseSettings,
  type TrainSettings,
} from './settings';

// The one schema of run settings: the Train form's limits (settingLimits), read by the shared link, the JSON file
// (shareConfig) and the CLI's run.json (train/runFile). Messages complete a sentence that starts with the field.

const oneOf = (names: readonly string[]) => `must be one of ${names.join(', ')}`;

export function numberSetting(limit: NumberLimit) {
  const message = `must be ${describeLimit(limit)}`;
  return v.pipe(
    v.number(message),
    v.check((n) => limitProblem(n, limit) === undefined, message),
  );
}

const flag = v.boolean('must be true or false');

/** The hyper-parameters, each optional with its default from `defaults`. */
export function hyperSchema(defaults: Readonly<Hyper>) {
  const entries = Object.fromEntries(
    (Object.keys(defaults) as (keyof Hyper)[]).map((k) => [
      k,
      v.optional(k in HYPER_LIMITS ? numberSetting(HYPER_LIMITS[k as keyof typeof HYPER_LIMITS]) : flag, defaults[k]),
    ]),
  );
  return v.object(entries, 'must be an object of hyper-parameters') as unknown as v.GenericSchema<unknown, Hyper>;
}

const phaseOrder = 'must list 1-based phase numbers, e.g. [2, 1, 3]';

export const armSchema = v.variant(
  'kind',
  [
    v.object({ kind: v.picklist(ARM_KINDS.filter((k) => k !== 'custom') as Exclude<ArmSpec['kind'], 'custom'>[]) }),
    v.object({
      kind: v.literal('custom'),
      order: v.pipe(v.array(numberSetting({ integer: true, min: 1 }), phaseOrder), v.minLength(1, phaseOrder)),
    }),
  ],
  oneOf(ARM_KINDS),
) as v.GenericSchema<unknown, ArmSpec>;

export const presetSchema = v.picklist(Object.keys(GPT_PRESETS) as GptPresetName[], oneOf(Object.keys(GPT_PRESETS)));

/**
 * Where pretrained weights come from, as a link or file may name them: the studio's own base model (only at its
 * own address; the result is always `baseModel` itself, name included) or a model imported into this browser, by the
 * id it is stored under. Anything else would let a link make the page fetch and train on weights from anywhere.
 */
export function modelRefSchema(baseModel: ModelRef & { kind: 'base' }) {
  const notElsewhere = `must be the studio’s own base model (${baseModel.url}): a link or file cannot make the studio fetch weights from another address`;
  return v.variant(
    'kind',
    [
      v.pipe(
        v.object({
          kind: v.literal('base'),
          url: v.optional(
            v.pipe(
              v.string(notElsewhere),
              v.check((url) => url === baseModel.url, notElsewhere),
            ),
            baseModel.url,
          ),
          name: v.optional(v.string('must be the model’s name')),
        }),
        v.transform((): ModelRef => ({ ...baseModel })),
      ),
      v.object({
        kind: v.literal('hf'),
        id: v.pipe(
          v.string(),
          v.regex(
            /^[A-Za-z0-9_-]{1,100}$/,
            'must be the id of a model imported into this browser (e.g. "hf-…"), not an address',
          ),
        ),
        name: v.string('must be the model’s name'),
        prune: flag,
      }),
    ],
    `must be the studio’s base model {"kind": "base"} or a model imported into this browser {"kind": "hf", "id", "name", "prune"}`,
  );
}

const loraTargets = `must list one or more of ${LORA_TARGETS.join(', ')}, each once`;

/** LoRA adapters: rank, alpha, the projections they sit on, and which extras train with them. */
export const loraSchema = v.object(
  {
    rank: numberSetting(LORA_LIMITS.rank),
    alpha: numberSetting(LORA_LIMITS.alpha),
    targets: v.pipe(
      v.array(v.picklist(LORA_TARGETS, loraTargets), loraTargets),
      v.minLength(1, loraTargets),
      v.check((t) => new Set(t).size === t.length, loraTargets),
    ),
    biases: v.optional(flag, false),
    layerNorms: v.optional(flag, false),
  },
  'must be an object {rank, alpha, targets, biases, layerNorms}',
) as unknown as v.GenericSchema<unknown, LoraSettings>;

/** The run settings of the Train form; what a file leaves out is the form's default. */
export function trainSettingsSchema(baseModel: ModelRef & { kind: 'base' }) {
  const d = DEFAULT_TRAIN_SETTINGS;
  return v.object(
    {
      arm: v.optional(armSchema, d.arm),
      preset: v.optional(presetSchema, d.preset),
      model: v.optional(modelRefSchema(baseModel)),
      backend: v.optional(v.picklist(BACKEND_PREFERENCES, oneOf(BACKEND_PREFERENCES)), d.backend),
      seed: v.optional(numberSetting(RUN_LIMITS.seed), d.seed),
      hyper: v.optional(hyperSchema(d.hyper), {}),
      maxSteps: v.optional(numberSetting(RUN_LIMITS.maxSteps), d.maxSteps),
      trainShare: v.optional(numberSetting(RUN_LIMITS.trainShare), d.trainShare),
      logEvery: v.optional(numberSetting(RUN_LIMITS.logEvery), d.logEvery),
      evalEvery: v.optional(numberSetting(RUN_LIMITS.evalEvery), d.evalEvery),
      lora: v.optional(loraSchema),
      template: v.optional(v.picklist(TEMPLATE_CHOICES, oneOf(TEMPLATE_CHOICES))),
    },
    'must be an object of run settings',
  ) as unknown as v.GenericSchema<unknown, TrainSettings>;
}

export const cutoffsSchema = v.pipe(
  v.array(v.number('must be a list of numbers, e.g. [1.5, 3.5]'), 'must be a list of numbers, e.g. [1.5, 3.5]'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      validateCutoffs(dataset.value);
    } catch (error) {
      addIssue({ message: `cannot be used: ${(error as Error).message.replace(/\.$/, '')}` });
    }
  }),
);

/** The phase settings a configuration carries (the scorer, when named, is ignored: the dataset keeps its own). */
export const phaseSettingsSchema = v.object(
  {
    scorerId: v.optional(v.string('must be a scorer id')),
    mode: v.picklist(['cutoffs', 'quantiles'], 'must be "cutoffs" or "quantiles"'),
    cutoffs: cutoffsSchema,
    phaseCount: numberSetting(PHASE_LIMITS.phaseCount),
    heldOutFraction: numberSetting(PHASE_LIMITS.heldOutFraction),
    seed: numberSetting(PHASE_LIMITS.seed),
  },
  'must be an object of phase settings',
) as unknown as v.GenericSchema<unknown, Omit<PhaseSettings, 'scorerId'> & { scorerId?: string }>;
