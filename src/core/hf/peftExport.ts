/** A LoRA run's adapters as a peft adapter folder (./peftAdapter.ts says how names and fields map). */
import { mlpWidth, type GptConfig } from '../model/config';
import { loraParamShapes, validateLora, type LoraSettings } from '../model/loraSettings';
import { writeSafetensors, type TensorToWrite } from '../model/safetensors';
import {
  adapterNames,
  LAYER_NORM_MODULES,
  neoTargetModules,
  PEFT_CONFIG_FILE,
  PEFT_PREFIX,
  PEFT_WEIGHTS_FILE,
  PeftAdapterError,
  peftTargetModules,
} from './peftAdapter';

export interface PeftAdapterInput {
  config: GptConfig;
  /** Our names and layout, adapters included (a LoRA run's checkpoint read as arrays). */
  params: Readonly<Record<string, Float32Array>>;
  lora: LoraSettings;
  architecture?: 'gpt2' | 'gpt_neo';
  /** `base_model_name_or_path`: the model the adapter goes onto (null when unknown, as peft writes it). */
  baseModel?: string | null;
}

/** The adapter folder's two files. */
export function exportPeftAdapter(input: PeftAdapterInput): Record<string, Uint8Array | string> {
  const { config, params } = input;
  const lora = validateLora(input.lora);
  const neo = input.architecture === 'gpt_neo';
  if (neo && lora.biases) {
    throw new PeftAdapterError(
      PEFT_CONFIG_FILE,
      'GPT-Neo has no q/k/v bias for the trained attention bias to go to in a peft adapter; export this run merged instead.',
    );
  }
  const tensors: Record<string, TensorToWrite> = {};
  const shapes = new Map(loraParamShapes(config, lora));
  const C = config.width;
  const F = mlpWidth(config);
  const biasSize = (name: string) => (name.includes('c_attn') ? 3 * C : name.includes('c_fc') ? F : C);
  for (const [ours, peft] of adapterNames(config, lora)) {
    const data = params[ours];
    const shape = shapes.get(ours) ?? [biasSize(ours)];
    if (data === undefined || data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new PeftAdapterError(
        PEFT_WEIGHTS_FILE,
        `parameter "${ours}" is missing or not [${shape.join(', ')}]: these are not this run's adapters.`,
      );
    }
    if (!neo) tensors[peft] = { dtype: 'F32', shape, data };
    else Object.assign(tensors, neoTensors(ours, shape, data, C));
  }
  const adapterConfig = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: input.baseModel ?? null,
    bias: lora.biases ? 'all' : 'none',
    fan_in_fan_out: !neo,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: 0.0,
    modules_to_save: lora.layerNorms ? LAYER_NORM_MODULES : null,
    peft_type: 'LORA',
    r: lora.rank,
    rank_pattern: {},
    revision: null,
    target_modules: neo ? neoTargetModules(lora.targets) : peftTargetModules(lora.targets),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
  return {
    [PEFT_CONFIG_FILE]: JSON.stringify(adapterConfig, null, 2) + '\n',
    [PEFT_WEIGHTS_FILE]: writeSafetensors(tensors, { format: 'pt' }),
  };
}

const NEO_MODULE: Record<string, string> = {
  'attn.c_proj': 'attn.attention.out_proj',
  'mlp.c_fc': 'mlp.c_fc',
  'mlp.c_proj': 'mlp.c_proj',
};

/** One of our tensors (our names, GPT-2 layout of adapters) as GPT-Neo's peft tensors. */
function neoTensors(ours: string, shape: number[], data: Float32Array, C: number): Record<string, TensorToWrite> {
  const m = /^h\.(\d+)\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.(lora_A\.weight|lora_B\.weight)$/.exec(ours);
  if (m === null) return { [PEFT_PREFIX + ours]: { dtype: 'F32', shape, data } }; // LayerNorms: same names
  const [, layer, target, which] = m;
  const at = `${PEFT_PREFIX}h.${layer}.`;
  if (target !== 'attn.c_attn') return { [`${at}${NEO_MODULE[target!]}.${which}`]: { dtype: 'F32', shape, data } };
  const out: Record<string, TensorToWrite> = {};
  ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => {
    const name = `${at}attn.attention.${proj}.${which}`;
    // A is shared; B's rows j·C … (j+1)·C are this projection's outputs.
    out[name] =
      which === 'lora_A.weight'
        ? { dtype: 'F32', shape, data }
        : { dtype: 'F32', shape: [C, shape[1]!], data: data.slice(j * C * shape[1]!, (j + 1) * C * shape[1]!) };
  });
  return out;
}
