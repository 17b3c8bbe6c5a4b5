/**
 * GPT-Neo (the TinyStories models): nn.Linear ([out, in]) everywhere and separate bias-free q/k/v, so its weights
 * are transposed and q, k, v fused into a `c_attn` without bias (`qkvBias: false`). It does not scale attention
 * scores by 1/√d, and alternates global with local attention (each query sees the last `window_size` keys); local
 * equals global while the context is ≤ the window, so the context is capped there. Position rows past the cap are
 * kept in the import's `source` so the export writes the full table back.
 *
 * A studio checkpoint from before the `qkvBias` switch has a fused `c_attn` bias that training may have moved; the
 * export makes it GPT-Neo's. The k part shifts every score of a query by the same amount, which softmax ignores:
 * dropped exactly. The v part adds a constant to every attention output (the weights sum to 1), which out_proj maps
 * to a constant: folded into out_proj's bias exactly. Only the q part has no equivalent; it is dropped and a note
 * gives its size.
 */
import { gptParamShapes, type GptConfig } from '../../model/config';
import { CONFIG_FILE, HfImportError } from '../files';
import { BLOCK_LAYER_NORMS, EMBEDDINGS, FINAL_LAYER_NORM, linear, same } from '../weightMap';
import type { HfFamily } from './family';

const DEFAULTS = {
  vocab_size: 50257,
  max_position_embeddings: 2048,
  hidden_size: 2048,
  num_layers: 24,
  num_heads: 16,
  layer_norm_epsilon: 1e-5,
  window_size: 256,
  attention_types: [[['global', 'local'], 12]] as unknown,
};

export const GPT_NEO: HfFamily = {
  modelType: 'gpt_neo',
  architecturePrefix: 'GPTNeo',
  label: 'GPT-Neo',
  supported: 'GPT-Neo ("gpt_neo": the TinyStories models)',
  defaults: DEFAULTS,

  readConfig(cfg, num, notes) {
    const width = num('hidden_size', 'residual width');
    const layers = num('num_layers', 'layers');
    const positions = num('max_position_embeddings', 'context');
    const inner =
      cfg.intermediate_size === undefined || cfg.intermediate_size === null
        ? 4 * width
        : num('intermediate_size', 'MLP width');
    const kinds = neoAttentionLayers(cfg, layers);
    const config: GptConfig = {
      vocabSize: num('vocab_size', 'vocabulary'),
      contextLength: positions,
      layers,
      width,
      heads: num('num_heads', 'attention heads'),
      mlpRatio: inner / width,
      layerNormEps: num('layer_norm_epsilon', 'LayerNorm epsilon', false),
      attentionScale: 'none',
      qkvBias: false,
    };
    const local = kinds.flatMap((k, i) => (k === 'local' ? [i] : []));
    if (local.length > 0) {
      const window = num('window_size', 'local attention window');
      if (window < positions) {
        config.contextLength = window;
        notes.push(
          `GPT-Neo: layer${local.length > 1 ? 's' : ''} ${local.join(', ')} use local attention over the last ${window} tokens, which equals ` +
            `global attention only while the context is ≤ ${window}: the context is capped at ${window} ` +
            `(the checkpoint has ${positions} positions; the rest are kept for export).`,
        );
      }
    }
    return { config, positions };
  },

  // q/k/v are fused side by side into our c_attn, which has no bias (the config's `qkvBias: false`).
  weights: {
    embeddings: EMBEDDINGS,
    block: [
      ...BLOCK_LAYER_NORMS,
      linear(
        'attn.c_attn.weight',
        ['q_proj', 'k_proj', 'v_proj'].map((n) => `attn.attention.${n}.weight`),
      ),
      linear('attn.c_proj.weight', 'attn.attention.out_proj.weight'),
      { ours: 'attn.c_proj.bias', from: 'attn.attention.out_proj.bias' },
      linear('mlp.c_fc.weight'),
      same('mlp.c_fc.bias'),
      linear('mlp.c_proj.weight'),
      same('mlp.c_proj.bias'),
    ],
    final: FINAL_LAYER_NORM,
  },

  toCheckpoint(config, params, notes) {
    const C = config.width;
    const folded: Record<string, Float32Array> = {};
    const noBias = { ...config, qkvBias: false };
    for (const [name] of gptParamShapes(noBias)) folded[name] = params[name]!;
    let maxQBias = 0;
    for (let i = 0; i < config.layers; i++) {
      const bias = params[`h.${i}.attn.c_attn.bias`];
      if (bias === undefined) continue;
      // out_proj(y + b_v) = out_proj(y) + b_v · W_proj, with our W_proj [in, out].
      const proj = params[`h.${i}.attn.c_proj.weight`]!;
      const outBias = Float32Array.from(params[`h.${i}.attn.c_proj.bias`]!);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let r = 0; r < C; r++) s += bias[2 * C + r]! * proj[r * C + c]!;
        outBias[c] = outBias[c]! + s;
      }
      for (let r = 0; r < C; r++) maxQBias = Math.max(maxQBias, Math.abs(bias[r]!));
      folded[`h.${i}.attn.c_proj.bias`] = outBias;
    }
    if (maxQBias > 0) {
      notes.push(
        `GPT-Neo has no query bias: the trained one (max |b_q| ${maxQBias.toExponential(2)}) is dropped, which changes the outputs slightly. ` +
          'The key bias is dropped exactly and the value bias folded into out_proj.bias exactly.',
      );
    }
    return { config: noBias, params: folded };
  },
};

/** GPT-Neo's per-layer attention kinds: `attention_layers`, or expanded from `attention_types` as transformers does. */
function neoAttentionLayers(cfg: Record<string, unknown>, layers: number): ('global' | 'local')[] {
  let kinds: unknown[];
  if (Array.isArray(cfg.attention_layers)) kinds = cfg.attention_layers;
  else {
    const types = cfg.attention_types ?? DEFAULTS.attention_types;
    if (!Array.isArray(types))
      throw new HfImportError(CONFIG_FILE, `attention_types must be a list like [[["global", "local"], 12]].`);
    kinds = [];
    for (const item of types as unknown[]) {
      if (!Array.isArray(item) || !Array.isArray(item[0]) || typeof item[1] !== 'number') {
        throw new HfImportError(
          CONFIG_FILE,
          `attention_types entry ${JSON.stringify(item)} must be [[kinds…], repeat].`,
        );
      }
      for (let r = 0; r < item[1]; r++) kinds.push(...(item[0] as unknown[]));
    }
  }
  if (kinds.length !== layers) {
    throw new HfImportError(CONFIG_FILE, `attention layers list ${kinds.length} kinds but num_layers is ${layers}.`);
  }
  for (const k of kinds) {
    if (k !== 'global' && k !== 'local')
      throw new HfImportError(CONFIG_FILE, `attention kind ${JSON.stringify(k)} is neither "global" nor "local".`);
  }
  return kinds as ('global' | 'local')[];
}
