/**
 * Llama (SmolLM2, Llama 3.2, TinyLlama and their fine-tunes): `attention_bias` gives q, k, v and o_proj a bias,
 * `mlp_bias` the MLP's three projections; rope_scaling llama3 as Llama 3.1 / 3.2 have it.
 */
import type { HfFamily } from './family';
import { LLAMA_WEIGHTS, llamaLikeDefaults, readFlag, readLlamaLike } from './llamaLike';

export const LLAMA: HfFamily = {
  modelType: 'llama',
  architecturePrefix: 'LlamaFor',
  label: 'Llama',
  supported: 'Llama ("llama": SmolLM2, Llama 3.2, TinyLlama)',
  defaults: llamaLikeDefaults(32000, 11008, 2048),
  readConfig(cfg, num) {
    const attentionBias = readFlag(cfg, 'attention_bias', false);
    return readLlamaLike(cfg, num, 'Llama', {
      qkvBias: attentionBias,
      attnOutBias: attentionBias,
      mlpBias: readFlag(cfg, 'mlp_bias', false),
      qkNorm: false,
    });
  },
  weights: LLAMA_WEIGHTS,
};
