/**
 * Qwen3 (dense): an RMSNorm over each head of q and of k before the rotation (q_norm, k_norm), its own head_dim
 * (128 on every size, ≠ hidden / heads), `attention_bias` for q, k, v and o_proj; no MLP bias.
 */
import type { HfFamily } from './family';
import { LLAMA_WEIGHTS, llamaLikeDefaults, readFlag, readLlamaLike } from './llamaLike';

export const QWEN3: HfFamily = {
  modelType: 'qwen3',
  architecturePrefix: 'Qwen3For',
  label: 'Qwen3',
  supported: 'Qwen3 ("qwen3": the dense Qwen3 models)',
  defaults: llamaLikeDefaults(151936, 22016, 32768),
  readConfig(cfg, num) {
    const attentionBias = readFlag(cfg, 'attention_bias', false);
    return readLlamaLike(cfg, num, 'Qwen3', {
      qkvBias: attentionBias,
      attnOutBias: attentionBias,
      mlpBias: false,
      qkNorm: true,
      headDim: 128,
    });
  },
  weights: LLAMA_WEIGHTS,
};
