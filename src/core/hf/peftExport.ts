/** A LoRA run's adapters as a peft adapter folder (./peftAdapter.ts says how names and fields map). */
import { gptParamShapes, type GptConfig } from '../model/config';
import { loraParamShapes, validateLoraFor, type LoraSettings } from '../model/loraSettings';
import { writeSafetensors, type TensorToWrite } from '../model/safetensors';
import {
  adapterNames,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
  PeftAdapterError,
  peftLayoutFor,
  peftTargetModules,
} from './peftAdapter';

export interface PeftAdapterInput {
  config: GptConfig;
  /** Our names and layout, adapters included (a LoRA run's checkpoint read as arrays). */
  params: Readonly<Record<string, Float32Array>>;
  lora: LoraSettings;
  /** config.json's `model_type` (gpt2, gpt_neo, llama, qwen2, qwen3); absent: GPT-2, or Llama for grouped attention. */
  architecture?: string;
  /** `base_model_name_or_path`: the model the adapter goes onto (null when unknown, as peft writes it). */
  baseModel?: string | null;
}

/** The adapter folder's two files. */
export function exportPeftAdapter(input: PeftAdapterInput): Record<string, Uint8Array | string> {
  const { config, params } = input;
  const lora = validateLoraFor(config, input.lora);
  const layout = peftLayoutFor(config, input.architecture);
  if (layout.noBiases && lora.biases) {
    throw new PeftAdapterError(
      PEFT_CONFIG_FILE,
      'GPT-Neo has no q/k/v bias for the trained attention bias to go to in a peft adapter; export this run merged instead.',
    );
  }
  const tensors: Record<string, TensorToWrite> = {};
  const shapes = new Map([...gptParamShapes(config), ...loraParamShapes(config, lora)]);
  for (const [ours, pieces] of adapterNames(config, lora, layout)) {
    const data = params[ours];
    const shape = shapes.get(ours)!;
    if (data === undefined || data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new PeftAdapterError(
        PEFT_WEIGHTS_FILE,
        `parameter "${ours}" is missing or not [${shape.join(', ')}]: these are not this run's adapters.`,
      );
    }
    for (const { name, piece, of } of pieces) {
      if (of === 1 || !ours.endsWith('lora_B.weight')) tensors[name] = { dtype: 'F32', shape, data };
      else {
        // B's rows piece·out/of … are this module's outputs; A is shared.
        const rows = shape[0]! / of;
        const size = rows * shape[1]!;
        tensors[name] = { dtype: 'F32', shape: [rows, shape[1]!], data: data.slice(piece * size, (piece + 1) * size) };
      }
    }
  }
  const adapterConfig = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: input.baseModel ?? null,
    bias: lora.biases ? 'all' : 'none',
    fan_in_fan_out: layout.fanInFanOut,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: 0.0,
    modules_to_save: lora.layerNorms ? [...layout.normModules] : null,
    peft_type: 'LORA',
    r: lora.rank,
    rank_pattern: {},
    revision: null,
    target_modules: peftTargetModules(lora.targets, layout),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
  return {
    [PEFT_CONFIG_FILE]: JSON.stringify(adapterConfig, null, 2) + '\n',
    [PEFT_WEIGHTS_FILE]: writeSafetensors(tensors, { format: 'pt' }),
  };
}
