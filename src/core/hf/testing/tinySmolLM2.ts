import { tinyTokenizerFiles, writeRawSafetensors, type FixtureTensor, type RawTensor } from './hfFixtures';

/**
 * A SmolLM2-shaped model folder as the Hub serves SmolLM2-135M-Instruct, shrunk: `llama`, RMSNorm, RoPE
 * (theta 100 000), SwiGLU, grouped attention (4 query heads, 2 key/value heads), a tied head, bf16 weights, and a
 * byte-level BPE whose first ids are SmolLM2's specials (`<|endoftext|>` 0, `<|im_start|>` 1, `<|im_end|>` 2) with
 * SmolLM2-Instruct's ChatML template in tokenizer_config.json. 2 layers of width 64: a few seconds a phase on
 * SwiftShader. Generated here, random, so nothing is copied from the real model.
 */
export const SMOL = { layers: 2, width: 64, heads: 4, kvHeads: 2, mlp: 128, context: 512 } as const;

export const SMOL_CHAT_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

function tokenizerJson(): { text: string; vocabSize: number } {
  const base = tinyTokenizerFiles();
  const json = JSON.parse(base.files['tokenizer.json']) as {
    added_tokens: Record<string, unknown>[];
    model: { vocab: Record<string, number> };
    post_processor: unknown;
  };
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((s, i) => (vocab[s] = i));
  for (const [piece, id] of Object.entries(base.vocab)) if (!SPECIALS.includes(piece)) vocab[piece] = id + 3;
  json.model.vocab = vocab;
  json.added_tokens = SPECIALS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const vocabSize = Math.max(...Object.values(vocab)) + 1;
  return { text: JSON.stringify(json), vocabSize };
}

/** Gaussian values from a seeded LCG + Box–Muller, so the folder is the same on every run. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

export interface TinySmolLM2 {
  files: Record<string, Uint8Array | string>;
  tensors: Record<string, FixtureTensor>;
  vocabSize: number;
}

export function tinySmolLM2(seed = 11): TinySmolLM2 {
  const { layers: L, width: C, heads: H, kvHeads: KV, mlp: F, context } = SMOL;
  const D = C / H;
  const tok = tokenizerJson();
  const V = tok.vocabSize;
  const g = gaussian(seed);
  const raw: Record<string, RawTensor> = {};
  const tensors: Record<string, FixtureTensor> = {};
  const bf16 = (v: number) => {
    const f = new Float32Array([v]);
    const u = new Uint32Array(f.buffer);
    u[0] = (u[0]! + 0x7fff + ((u[0]! >>> 16) & 1)) & 0xffff0000;
    return f[0]!;
  };
  const weight = (name: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => bf16(offset + scale * g()));
    raw[name] = { dtype: 'BF16', shape, data };
    tensors[name] = { shape, data };
  };
  weight('model.embed_tokens.weight', [V, C], 0.5);
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.`;
    weight(`${p}input_layernorm.weight`, [C], 0.1, 1);
    weight(`${p}self_attn.q_proj.weight`, [H * D, C], 0.1);
    weight(`${p}self_attn.k_proj.weight`, [KV * D, C], 0.1);
    weight(`${p}self_attn.v_proj.weight`, [KV * D, C], 0.1);
    weight(`${p}self_attn.o_proj.weight`, [C, H * D], 0.1);
    weight(`${p}post_attention_layernorm.weight`, [C], 0.1, 1);
    weight(`${p}mlp.gate_proj.weight`, [F, C], 0.1);
    weight(`${p}mlp.up_proj.weight`, [F, C], 0.1);
    weight(`${p}mlp.down_proj.weight`, [C, F], 0.1);
  }
  weight('model.norm.weight', [C], 0.1, 1);
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    attention_bias: false,
    attention_dropout: 0,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 2,
    hidden_act: 'silu',
    hidden_size: C,
    initializer_range: 0.02,
    intermediate_size: F,
    max_position_embeddings: context,
    mlp_bias: false,
    num_attention_heads: H,
    num_hidden_layers: L,
    num_key_value_heads: KV,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 100000,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    use_cache: true,
    vocab_size: V,
  };
  const tokenizerConfig = {
    add_prefix_space: false,
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    pad_token: '<|im_end|>',
    unk_token: '<|endoftext|>',
    chat_template: SMOL_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: context,
    tokenizer_class: 'GPT2Tokenizer',
  };
  return {
    files: {
      'config.json': JSON.stringify(config, null, 2),
      'generation_config.json': JSON.stringify({ bos_token_id: 1, eos_token_id: 2, pad_token_id: 2 }, null, 2),
      'model.safetensors': writeRawSafetensors(raw),
      'tokenizer.json': tok.text,
      'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    },
    tensors,
    vocabSize: V,
  };
}
