/** Qwen2 / Qwen2.5: q, k, v always have a bias, o_proj and the MLP never; no sliding window (refused when used). */
import type { HfFamily } from './family';
import { LLAMA_WEIGHTS, llamaLikeDefaults, readLlamaLike } from './llamaLike';

export const QWEN2: HfFamily = {
  modelType: 'qwen2',
  architecturePrefix: 'Qwen2For',
  label: 'Qwen2',
  supported: 'Qwen2 ("qwen2": Qwen2 and Qwen2.5)',
  defaults: llamaLikeDefaults(151936, 22016, 32768),
  readConfig: (cfg, num) =>
    readLlamaLike(cfg, num, 'Qwen2', { qkvBias: true, attnOutBias: false, mlpBias: false, qkNorm: false }),
  weights: LLAMA_WEIGHTS,
};
