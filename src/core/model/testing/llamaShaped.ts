/**
 * Test support: a Llama-shaped config (RMSNorm, rotary positions, SwiGLU, grouped attention, no biases, tied head)
 * of any size, so tests and calibration scripts spell only what they vary. Qwen-like variants spread it and change
 * what differs (`{ ...llamaShaped(…), qkvBias: true }`, `qkNorm: true`, `head: 'untied'`).
 */
import type { GptConfig } from '../config';

export interface LlamaShape {
  vocabSize: number;
  contextLength: number;
  layers: number;
  width: number;
  heads: number;
  kvHeads: number;
  /** Channels per head; width / heads when absent. */
  headDim?: number;
  /** The MLP's hidden width. */
  mlp: number;
}

export function llamaShaped(shape: LlamaShape): GptConfig {
  const { mlp, headDim, ...sizes } = shape;
  return {
    ...sizes,
    mlpRatio: mlp / shape.width,
    mlpHidden: mlp,
    layerNormEps: 1e-5,
    attentionScale: 'sqrt',
    qkvBias: false,
    norm: 'rmsNorm',
    positions: 'rope',
    rope: { theta: 10000 },
    mlp: 'swiglu',
    attention: 'grouped',
    ...(headDim === undefined ? {} : { headDim }),
    attnOutBias: false,
    mlpBias: false,
    head: 'tied',
  };
}

/** Qwen3's shape, small: 4 query heads of 16 (H·D = 64 ≠ width 32) over 2 key/value heads, q_norm / k_norm, no
 * biases, an untied head. */
export const TINY_QWEN3: GptConfig = {
  ...llamaShaped({
    vocabSize: 40,
    contextLength: 16,
    layers: 2,
    width: 32,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    mlp: 48,
  }),
  layerNormEps: 1e-6,
  qkNorm: true,
  head: 'untied',
};
