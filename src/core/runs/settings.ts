import type { GptPresetName } from '../model/config';
import type { LoraSettings } from '../model/loraSettings';
import type { ArmSpec } from '../train/arms';
import { PAPER_HYPER, type Hyper } from '../train/hyper';
import { defaultLearningRate } from './defaultLearningRate';

export type BackendPreference = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Where a run's weights start, when not from random initialisation of `preset`: the shipped base model (a studio
 * checkpoint served with the app) or a model the user imported (kept in this browser under `id`).
 */
export type ModelRef =
  { kind: 'base'; url: string; name: string } | { kind: 'hf'; id: string; name: string; prune: boolean };

/** The studio's own base model, made by `npm run make:base` and served with the app under `baseUrl`. */
export const BASE_MODEL_FILE = 'models/base/base.safetensors';

export function baseModelRef(baseUrl = '/'): ModelRef & { kind: 'base' } {
  return { kind: 'base', url: `${baseUrl}${BASE_MODEL_FILE}`, name: 'the demo base model' };
}

/**
 * How a run writes each record out: the imported model's own chat template (`model`), or a built-in one for a model
 * without one — ChatML, Llama 3's, or the studio's own (`paper`, the template the paper trains with).
 */
export type TemplateChoice = 'model' | 'chatml' | 'llama3' | 'paper';
export const TEMPLATE_CHOICES: readonly TemplateChoice[] = ['model', 'chatml', 'llama3', 'paper'];

/** Everything the studio needs to start a run, besides the data. */
export interface TrainSettings {
  arm: ArmSpec;
  /** Size of a randomly initialised model; ignored when `model` names pretrained weights. */
  preset: GptPresetName;
  model?: ModelRef;
  backend: BackendPreference;
  seed: number;
  hyper: Hyper;
  /** Stop after this many optimizer steps (0 = train the whole arm). */
  maxSteps: number;
  /** Train on the first this share of each phase, in (0, 1]: a quicker run that keeps every phase (1 = all). */
  trainShare: number;
  logEvery: number;
  evalEvery: number;
  /** Train LoRA adapters instead of every weight (absent: full fine-tuning). */
  lora?: LoraSettings;
  /** The template picked in the form; absent: the model's own when it has one, else the studio's (`chosenTemplate`). */
  template?: TemplateChoice;
}

/** Sensible for a small character-level GPT trained from scratch; the paper's 5e-6 suits 7B models, not this. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  arm: { kind: 'easy-to-hard' },
  preset: 'small',
  backend: 'auto',
  seed: 1,
  // The paper's recipe (Pang et al. 2024, §4), except a learning rate for a small model trained from scratch.
  hyper: { ...PAPER_HYPER, lr: defaultLearningRate(undefined), minLrRatio: 0.1 },
  maxSteps: 0,
  trainShare: 1,
  logEvery: 5,
  evalEvery: 0,
};

/** How the records are cut into phases. */
export interface PhaseSettings {
  scorerId: string;
  mode: 'cutoffs' | 'quantiles';
  cutoffs: number[];
  phaseCount: number;
  heldOutFraction: number;
  seed: number;
}

/**
 * The demo experiment: fine-tune the shipped base model on the demo suite with the paper's recipe (2 epochs per
 * phase, warm-up 10 % + cosine restarted per phase, fresh AdamW per phase, batch 16, clip 1, decay 0.1), at a
 * learning rate suited to a small model rather than the paper's 5e-6 for 7B.
 */
export const DEMO_HYPER: Hyper = { ...PAPER_HYPER, lr: defaultLearningRate({ kind: 'base' }), minLrRatio: 0.1 };
