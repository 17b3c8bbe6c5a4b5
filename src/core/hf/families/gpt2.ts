/**
 * GPT-2 (gpt2, distilgpt2 and their fine-tunes): stored as we compute — Conv1D weights [in, out], q/k/v already
 * fused in `c_attn` — so every tensor maps onto ours by name. Our GPT is a GPT-2, so our own models are written as
 * one; a model without q/k/v bias is written with a zero `c_attn.bias`, which GPT-2 always has.
 */
import { mlpWidth, type GptConfig } from '../../model/config';
import { HfImportError, CONFIG_FILE } from '../files';
import { BLOCK_LAYER_NORMS, EMBEDDINGS, FINAL_LAYER_NORM, same } from '../weightMap';
import type { OwnModelFamily } from './family';

export const GPT2: OwnModelFamily = {
  modelType: 'gpt2',
  architecturePrefix: 'GPT2',
  label: 'GPT-2',
  supported: 'GPT-2 ("gpt2": gpt2, distilgpt2 and their fine-tunes)',
  defaults: { vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12, layer_norm_epsilon: 1e-5 },

  readConfig(cfg, num, notes) {
    for (const key of ['scale_attn_by_inverse_layer_idx', 'add_cross_attention'] as const) {
      if (cfg[key] === true)
        throw new HfImportError(CONFIG_FILE, `${key} is true; this GPT-2 variant is not supported.`);
    }
    const width = num('n_embd', 'residual width');
    const positions =
      cfg.n_positions === undefined && typeof cfg.n_ctx === 'number'
        ? num('n_ctx', 'context')
        : num('n_positions', 'context');
    const inner = cfg.n_inner === undefined || cfg.n_inner === null ? 4 * width : num('n_inner', 'MLP width');
    const config: GptConfig = {
      vocabSize: num('vocab_size', 'vocabulary'),
      contextLength: positions,
      layers: num('n_layer', 'layers'),
      width,
      heads: num('n_head', 'attention heads'),
      mlpRatio: inner / width,
      layerNormEps: num('layer_norm_epsilon', 'LayerNorm epsilon', false),
      attentionScale: cfg.scale_attn_weights === false ? 'none' : 'sqrt',
    };
    if (config.attentionScale === 'none')
      notes.push('scale_attn_weights is false: attention scores are not divided by √(head width).');
    return { config, positions };
  },

  weights: {
    embeddings: EMBEDDINGS,
    block: [
      ...BLOCK_LAYER_NORMS,
      ...['attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias'].map(same),
      ...['mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'].map(same),
    ],
    final: FINAL_LAYER_NORM,
  },

  toCheckpoint(config, params) {
    if (config.qkvBias !== false) return { config, params };
    const withBias = { ...params };
    for (let i = 0; i < config.layers; i++) withBias[`h.${i}.attn.c_attn.bias`] ??= new Float32Array(3 * config.width);
    return { config: { ...config, qkvBias: true }, params: withBias };
  },

  newConfigJson: gpt2ConfigJson,
};

/** A config.json for one of our own models, as transformers' GPT2Config writes it. */
function gpt2ConfigJson(config: GptConfig, eosId: number | undefined): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0,
    embd_pdrop: 0,
    resid_pdrop: 0,
    initializer_range: 0.02,
    layer_norm_epsilon: config.layerNormEps,
    model_type: 'gpt2',
    n_ctx: config.contextLength,
    n_embd: config.width,
    n_head: config.heads,
    n_inner: mlpWidth(config) === 4 * config.width ? null : mlpWidth(config),
    n_layer: config.layers,
    n_positions: config.contextLength,
    scale_attn_weights: config.attentionScale === 'sqrt',
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    vocab_size: config.vocabSize,
  };
  if (eosId !== undefined) Object.assign(cfg, { bos_token_id: eosId, eos_token_id: eosId });
  return cfg;
}
