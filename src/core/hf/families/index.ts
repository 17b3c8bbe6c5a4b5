/** The Hugging Face model families the studio imports, by config.json's `model_type`. */
import { CONFIG_FILE, HfImportError } from '../files';
import type { HfFamily } from './family';
import { GPT2 } from './gpt2';
import { GPT_NEO } from './gptNeo';
import { LLAMA } from './llama';
import { QWEN2 } from './qwen2';
import { QWEN3 } from './qwen3';

export const HF_FAMILIES = {
  gpt2: GPT2,
  gpt_neo: GPT_NEO,
  llama: LLAMA,
  qwen2: QWEN2,
  qwen3: QWEN3,
} as const satisfies Record<string, HfFamily>;

export type HfArchitecture = keyof typeof HF_FAMILIES;

/** The family our own models (trained from scratch, no import source) are exported as: our GPT is a GPT-2. */
export const OWN_MODELS = GPT2;

const FAMILIES: readonly [HfArchitecture, HfFamily][] = Object.entries(HF_FAMILIES) as [HfArchitecture, HfFamily][];

/** The family config.json describes: its `model_type`, or (without one) its `architectures`. */
export function detectArchitecture(cfg: Record<string, unknown>): HfArchitecture {
  const type = cfg.model_type;
  const archs = Array.isArray(cfg.architectures) ? (cfg.architectures as unknown[]).map(String) : [];
  for (const [name, family] of FAMILIES) {
    if (type === family.modelType || (type === undefined && archs.some((a) => a.startsWith(family.architecturePrefix))))
      return name;
  }
  const described = [
    type !== undefined ? `model_type ${JSON.stringify(type)}` : 'no model_type',
    archs.length > 0 ? `architectures ${archs.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const supported = FAMILIES.map(([, f]) => f.supported);
  throw new HfImportError(
    CONFIG_FILE,
    `${described}: this architecture is not supported. The studio imports ${supported.slice(0, -1).join(', ')} and ${supported.at(-1)}.`,
  );
}
