import { GPT_PRESETS } from '../model/config';
import { validateCutoffs } from '../phases/plan';
import { ARM_KINDS } from '../train/arms';
import { BACKEND_PREFERENCES, DEFAULT_TRAIN_SETTINGS, type PhaseSettings, type TrainSettings } from './settings';

/** A studio configuration as a file or a link: the run settings and the phase settings, never any data or key. */
export interface SharedConfig {
  kind: 'phased-ift-studio/config';
  version: 1;
  train: TrainSettings;
  phases?: Omit<PhaseSettings, 'scorerId'> & { scorerId?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`This configuration cannot be used:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

export function configToJson(train: TrainSettings, phases?: PhaseSettings): string {
  const shared: SharedConfig = { kind: 'phased-ift-studio/config', version: 1, train, ...(phases ? { phases } : {}) };
  return `${JSON.stringify(shared, null, 2)}\n`;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads a shared configuration, filling what it leaves out with the defaults and naming every problem. Unknown
 * fields are refused rather than ignored, so a typo never silently trains with a default.
 */
export function configFromJson(text: string): SharedConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`It is not JSON (${(error as Error).message}).`]);
  }
  if (!isObj(json) || json.kind !== 'phased-ift-studio/config') {
    throw new ConfigError(['It is not a Phased IFT Studio configuration (no "kind": "phased-ift-studio/config").']);
  }
  if (json.version !== 1) throw new ConfigError([`Version ${String(json.version)} is not supported (this studio reads version 1).`]);
  const problems: string[] = [];
  const trainIn = isObj(json.train) ? json.train : {};
  const known = [...Object.keys(DEFAULT_TRAIN_SETTINGS), 'model'];
  for (const k of Object.keys(trainIn)) if (!known.includes(k)) problems.push(`Unknown setting "train.${k}" (known: ${known.join(', ')}).`);
  const hyperIn = isObj(trainIn.hyper) ? trainIn.hyper : {};
  for (const k of Object.keys(hyperIn)) if (!(k in DEFAULT_TRAIN_SETTINGS.hyper)) problems.push(`Unknown hyper-parameter "train.hyper.${k}".`);
  const train = { ...DEFAULT_TRAIN_SETTINGS, ...trainIn, hyper: { ...DEFAULT_TRAIN_SETTINGS.hyper, ...hyperIn } } as TrainSettings;

  for (const [k, v] of Object.entries(train.hyper)) {
    const want = typeof DEFAULT_TRAIN_SETTINGS.hyper[k as keyof TrainSettings['hyper']];
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v))) problems.push(`"train.hyper.${k}" must be a ${want}, got ${JSON.stringify(v)}.`);
  }
  if (train.hyper.lr <= 0) problems.push(`"train.hyper.lr" must be above 0, got ${train.hyper.lr}.`);
  for (const k of ['epochsPerPhase', 'batchSize', 'gradAccumulation'] as const) {
    if (!Number.isInteger(train.hyper[k]) || train.hyper[k] < 1) problems.push(`"train.hyper.${k}" must be a whole number ≥ 1, got ${train.hyper[k]}.`);
  }
  if (!isObj(train.arm) || !ARM_KINDS.includes(train.arm.kind)) problems.push(`"train.arm.kind" must be one of ${ARM_KINDS.join(', ')}.`);
  else if (train.arm.kind === 'custom' && !(Array.isArray(train.arm.order) && train.arm.order.every((p) => Number.isInteger(p) && p >= 1))) {
    problems.push('"train.arm.order" must list 1-based phase numbers, e.g. [2, 1, 3].');
  }
  if (train.model !== undefined) {
    const m = train.model as unknown;
    if (!isObj(m) || !((m.kind === 'base' && typeof m.url === 'string') || (m.kind === 'hf' && typeof m.id === 'string'))) {
      problems.push('"train.model" must be {"kind": "base", "url", "name"} or {"kind": "hf", "id", "name", "prune"}.');
    }
  }
  if (!(train.preset in GPT_PRESETS)) problems.push(`"train.preset" must be one of ${Object.keys(GPT_PRESETS).join(', ')}.`);
  if (!BACKEND_PREFERENCES.includes(train.backend)) problems.push(`"train.backend" must be one of ${BACKEND_PREFERENCES.join(', ')}.`);
  for (const k of ['seed', 'maxSteps', 'logEvery', 'evalEvery'] as const) {
    if (!Number.isInteger(train[k])) problems.push(`"train.${k}" must be a whole number, got ${JSON.stringify(train[k])}.`);
  }
  if (typeof train.trainShare !== 'number' || !(train.trainShare > 0 && train.trainShare <= 1)) {
    problems.push(`"train.trainShare" must be a number above 0 and at most 1, got ${JSON.stringify(train.trainShare)}.`);
  }

  let phases: SharedConfig['phases'];
  if (json.phases !== undefined) {
    const p = json.phases;
    if (!isObj(p)) problems.push('"phases" must be an object.');
    else {
      if (p.mode !== 'cutoffs' && p.mode !== 'quantiles') problems.push('"phases.mode" must be "cutoffs" or "quantiles".');
      if (!Array.isArray(p.cutoffs) || !p.cutoffs.every((c) => typeof c === 'number')) problems.push('"phases.cutoffs" must be a list of numbers.');
      else {
        try {
          validateCutoffs(p.cutoffs as number[]);
        } catch (error) {
          problems.push(`"phases.cutoffs": ${(error as Error).message}`);
        }
      }
      if (typeof p.heldOutFraction !== 'number' || p.heldOutFraction < 0 || p.heldOutFraction > 0.5) problems.push('"phases.heldOutFraction" must be between 0 and 0.5.');
      if (!Number.isInteger(p.seed)) problems.push('"phases.seed" must be a whole number.');
      if (!Number.isInteger(p.phaseCount) || (p.phaseCount as number) < 2 || (p.phaseCount as number) > 6) problems.push('"phases.phaseCount" must be 2 to 6.');
      phases = p as SharedConfig['phases'];
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { kind: 'phased-ift-studio/config', version: 1, train, ...(phases ? { phases } : {}) };
}

/** The configuration as a URL fragment value (base64url of the JSON), so a link carries the whole setup. */
export function configToUrlValue(train: TrainSettings, phases?: PhaseSettings): string {
  const bytes = new TextEncoder().encode(configToJson(train, phases));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function configFromUrlValue(value: string): SharedConfig {
  let text: string;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new ConfigError(['The link’s configuration is damaged (not valid base64); copy the whole link again.']);
  }
  return configFromJson(text);
}
