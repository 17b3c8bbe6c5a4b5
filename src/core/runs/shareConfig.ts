import * as v from 'valibot';
import { checkAgainst, pathText } from './schemaProblems';
import { baseModelRef, type ModelRef, type PhaseSettings, type TrainSettings } from './settings';
import { phaseSettingsSchema, trainSettingsSchema } from './settingsSchema';

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

export interface ConfigReadOptions {
  /** The only base model a configuration may name (its address depends on where the studio is served). */
  baseModel?: ModelRef & { kind: 'base' };
}

function sharedConfigSchema(baseModel: ModelRef & { kind: 'base' }) {
  return v.object({
    kind: v.literal('phased-ift-studio/config'),
    version: v.literal(1),
    train: v.optional(trainSettingsSchema(baseModel), {}),
    phases: v.optional(phaseSettingsSchema),
  });
}

const wording = {
  unknownKey: (path: readonly (string | number)[]) =>
    `Unknown ${path[path.length - 2] === 'hyper' ? 'hyper-parameter' : 'setting'} "${pathText(path)}"`,
};

/**
 * Reads a shared configuration, filling what it leaves out with the defaults and naming every problem. Unknown
 * fields are refused rather than ignored, so a typo never silently trains with a default; values are held to the
 * Train form's limits; a model can only be the studio's base model or one imported into this browser.
 */
export function configFromJson(text: string, { baseModel = baseModelRef() }: ConfigReadOptions = {}): SharedConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`It is not JSON (${(error as Error).message}).`]);
  }
  if (!isObj(json) || json.kind !== 'phased-ift-studio/config') {
    throw new ConfigError(['It is not a Phased IFT Studio configuration (no "kind": "phased-ift-studio/config").']);
  }
  if (json.version !== 1)
    throw new ConfigError([`Version ${String(json.version)} is not supported (this studio reads version 1).`]);
  const result = checkAgainst(sharedConfigSchema(baseModel), json, wording);
  if (!result.ok) throw new ConfigError(result.problems);
  const { train, phases } = result.value;
  return { kind: 'phased-ift-studio/config', version: 1, train, ...(phases ? { phases } : {}) };
}

/** The configuration as a URL fragment value (base64url of the JSON), so a link carries the whole setup. */
export function configToUrlValue(train: TrainSettings, phases?: PhaseSettings): string {
  const bytes = new TextEncoder().encode(configToJson(train, phases));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function configFromUrlValue(value: string, options: ConfigReadOptions = {}): SharedConfig {
  let text: string;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new ConfigError(['The link’s configuration is damaged (not valid base64); copy the whole link again.']);
  }
  return configFromJson(text, options);
}
