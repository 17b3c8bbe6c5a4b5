/**
 * The training form as the person left it, kept in localStorage so a reload (mid-run, say) brings it back instead
 * of the defaults. Read back field by field against the defaults: a field of the wrong type (a damaged entry, one
 * written by another build) falls back to its default rather than reaching the form.
 */
import { GPT_PRESETS } from '../core/model/config';
import { BACKEND_PREFERENCES, TEMPLATE_CHOICES, type TrainSettings } from '../core/runs/settings';

const KEY = 'phased-ift-studio/train-form';

export interface SavedTrainForm {
  settings: TrainSettings;
  /** Whether the person picked the model (then the base model is not adopted over it). */
  modelChosen: boolean;
  /** Whether the person typed the learning rate (then it no longer follows the model); absent in older saves. */
  lrChosen?: boolean;
}

export function saveTrainForm(form: SavedTrainForm): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(form));
  } catch {
    // Storage off or full: the form just will not survive a reload, as before.
  }
}

export function loadTrainForm(defaults: TrainSettings): SavedTrainForm | undefined {
  let text: string | null;
  try {
    text = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
  } catch {
    return undefined;
  }
  if (text === null) return undefined;
  try {
    return trainFormFrom(JSON.parse(text), defaults);
  } catch {
    return undefined;
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const ARM_KINDS = ['one-off', 'easy-to-hard', 'hard-to-easy', 'random-stages', 'custom'];

/** The saved form checked against the defaults; undefined when nothing usable is there. Pure. */
export function trainFormFrom(saved: unknown, defaults: TrainSettings): SavedTrainForm | undefined {
  if (!isObject(saved) || !isObject(saved.settings)) return undefined;
  const s = saved.settings;
  const number = (x: unknown, fallback: number) => (typeof x === 'number' && Number.isFinite(x) ? x : fallback);
  const hyperIn = isObject(s.hyper) ? s.hyper : {};
  const hyper: Record<string, unknown> = { ...defaults.hyper };
  for (const [key, fallback] of Object.entries(defaults.hyper)) {
    const value = hyperIn[key];
    hyper[key] =
      typeof fallback === 'number' ? number(value, fallback) : typeof value === typeof fallback ? value : fallback;
  }
  const template = TEMPLATE_CHOICES.find((t) => t === s.template);
  return {
    modelChosen: saved.modelChosen === true,
    ...(typeof saved.lrChosen === 'boolean' ? { lrChosen: saved.lrChosen } : {}),
    settings: {
      arm: armFrom(s.arm) ?? defaults.arm,
      preset:
        typeof s.preset === 'string' && Object.hasOwn(GPT_PRESETS, s.preset)
          ? (s.preset as TrainSettings['preset'])
          : defaults.preset,
      model: modelFrom(s.model),
      backend: BACKEND_PREFERENCES.find((b) => b === s.backend) ?? defaults.backend,
      seed: number(s.seed, defaults.seed),
      hyper: hyper as unknown as TrainSettings['hyper'],
      maxSteps: number(s.maxSteps, defaults.maxSteps),
      trainShare: number(s.trainShare, defaults.trainShare),
      logEvery: number(s.logEvery, defaults.logEvery),
      evalEvery: number(s.evalEvery, defaults.evalEvery),
      // An unknown template name (a damaged entry, a newer build's) leaves the choice to the model, as if none was made.
      ...(template ? { template } : {}),
    },
  };
}

function armFrom(x: unknown): TrainSettings['arm'] | undefined {
  if (!isObject(x) || typeof x.kind !== 'string' || !ARM_KINDS.includes(x.kind)) return undefined;
  if (x.kind !== 'custom') return { kind: x.kind } as TrainSettings['arm'];
  return Array.isArray(x.order) && x.order.every((n) => Number.isInteger(n))
    ? { kind: 'custom', order: x.order as number[] }
    : undefined;
}

function modelFrom(x: unknown): TrainSettings['model'] {
  if (!isObject(x) || typeof x.name !== 'string') return undefined;
  if (x.kind === 'base' && typeof x.url === 'string') return { kind: 'base', url: x.url, name: x.name };
  if (x.kind === 'hf' && typeof x.id === 'string')
    return { kind: 'hf', id: x.id, name: x.name, prune: x.prune === true };
  return undefined;
}
