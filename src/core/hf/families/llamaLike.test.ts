import { describe, expect, it } from 'vitest';
import { architecture } from '../../model/config';
import { hfModelInfo } from '../config';
import { HfImportError } from '../files';

// config.json as transformers 5 writes a tiny LlamaForCausalLM (python/tiny_families.py), the fields that matter.
const LLAMA = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 48,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 4,
  max_position_embeddings: 32,
  rms_norm_eps: 1e-6,
  hidden_act: 'silu',
  attention_bias: false,
  mlp_bias: false,
  tie_word_embeddings: false,
  rope_parameters: { rope_theta: 10000.0, rope_type: 'default' },
};

function refusal(cfg: Record<string, unknown>): string {
  try {
    hfModelInfo(cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(HfImportError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('Llama / Qwen config.json → GptConfig', () => {
  it('reads a Llama config as transformers does: grouped attention, rotary, SwiGLU, untied head', () => {
    const { config, architecture: family } = hfModelInfo(LLAMA);
    expect(family).toBe('llama');
    expect(config).toMatchObject({
      vocabSize: 48,
      contextLength: 32,
      width: 16,
      heads: 4,
      kvHeads: 2,
      headDim: 4,
      mlpHidden: 24,
      layerNormEps: 1e-6,
      rope: { theta: 10000 },
      head: 'untied',
      qkvBias: false,
      attnOutBias: false,
      mlpBias: false,
      qkNorm: false,
    });
    expect(architecture(config)).toMatchObject({ norm: 'rmsNorm', positions: 'rope', mlp: 'swiglu' });
  });

  it('takes the older rope_theta + rope_scaling {type: llama3}, tie_word_embeddings and attention_bias', () => {
    const { rope_parameters: _, ...legacy } = LLAMA;
    const cfg = {
      ...legacy,
      rope_theta: 500000,
      rope_scaling: {
        type: 'llama3',
        factor: 32,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 8192,
      },
      tie_word_embeddings: true,
      attention_bias: true,
    };
    const { config } = hfModelInfo(cfg);
    expect(config.rope).toEqual({
      theta: 500000,
      scaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 },
    });
    expect(config).toMatchObject({ head: 'tied', qkvBias: true, attnOutBias: true });
  });

  it('Qwen2: q/k/v biases without o_proj bias; Qwen3: q/k norms and head_dim 128 when config.json has none', () => {
    const { config: q2 } = hfModelInfo({ ...LLAMA, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] });
    expect(q2).toMatchObject({ qkvBias: true, attnOutBias: false, mlpBias: false, qkNorm: false });
    const { head_dim: _, ...noHeadDim } = LLAMA;
    const { config: q3 } = hfModelInfo({ ...noHeadDim, model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] });
    expect(q3).toMatchObject({ qkNorm: true, headDim: 128, qkvBias: false });
    expect(hfModelInfo({ ...noHeadDim }).config.headDim).toBe(4); // Llama: hidden_size / heads
  });

  it('caps the context as asked (rotary tables need no rows kept)', () => {
    const info = hfModelInfo(LLAMA, { maxContext: 8 });
    expect(info.config.contextLength).toBe(8);
    expect(info.positions).toBe(32);
  });

  it('refuses, by the field’s name, everything the studio does not compute', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hidden_act: 'gelu' }, /hidden_act "gelu"/],
      [{ rope_parameters: { rope_type: 'yarn', rope_theta: 1e4, factor: 4 } }, /rope_scaling type "yarn"/],
      [{ rope_parameters: { rope_type: 'linear', rope_theta: 1e4, factor: 2 } }, /rope_scaling type "linear"/],
      [{ rope_parameters: { rope_type: 'llama3', rope_theta: 1e4, factor: 8 } }, /rope_scaling low_freq_factor/],
      [{ use_sliding_window: true, sliding_window: 4096 }, /use_sliding_window/],
      [{ layer_types: ['full_attention', 'sliding_attention'] }, /layer_types lists "sliding_attention"/],
      [{ num_experts: 8 }, /num_experts/],
      [{ num_local_experts: 8 }, /num_local_experts/],
      [{ partial_rotary_factor: 0.5 }, /partial_rotary_factor/],
      [{ pretraining_tp: 2 }, /pretraining_tp/],
      [{ attention_bias: 'yes' }, /attention_bias/],
      [{ tie_word_embeddings: 1 }, /tie_word_embeddings/],
      [{ num_key_value_heads: 3 }, /kvHeads 3 must divide heads 4/],
      [{ rms_norm_eps: -1 }, /rms_norm_eps/],
    ];
    for (const [change, message] of cases)
      expect(refusal({ ...LLAMA, ...change }), JSON.stringify(change)).toMatch(message);
  });

  it('still refuses an untied head for GPT-2 (its config says tie_word_embeddings false)', () => {
    const gpt2 = { model_type: 'gpt2', n_embd: 16, n_layer: 1, n_head: 2, n_positions: 8, vocab_size: 10 };
    expect(refusal({ ...gpt2, tie_word_embeddings: false })).toMatch(/tie_word_embeddings is false/);
  });
});
