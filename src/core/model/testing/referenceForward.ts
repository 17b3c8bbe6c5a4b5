/**
 * Test support: the GPT forward pass in plain TypeScript with Float64Array loops, written from the architecture
 * (GPT-2: learned positions, pre-LayerNorm blocks, causal attention, gelu_new MLP, final LayerNorm, tied head) and
 * sharing no code with gpt.ts. It checks our tfjs model, and later the layouts of imported GPT-2 / GPT-Neo weights.
 * Slow (O(B·T²·C + B·T·C²) scalar loops): for tiny configs only.
 */
import type { GptConfig } from '../config';

export interface PlainTensor {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Parameters by GPT-2 name in our layout: linear weights [in, out], wte [V, C], wpe [ctx, C]. */
export type PlainParams = Record<string, PlainTensor>;

function get(params: PlainParams, name: string, shape: readonly number[]): Float64Array {
  const p = params[name];
  if (p === undefined) throw new Error(`referenceForward: parameter "${name}" is missing.`);
  if (p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`referenceForward: "${name}" has shape [${p.shape}], expected [${shape}].`);
  }
  return Float64Array.from(p.data);
}

/** rows × cols row-major, per row: (x − mean) / √(var + eps) · w + b. */
function layerNorm(
  x: Float64Array,
  rows: number,
  C: number,
  w: Float64Array,
  b: Float64Array,
  eps: number,
): Float64Array {
  const out = new Float64Array(rows * C);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c]!;
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c]! - mean) ** 2;
    v /= C;
    const inv = 1 / Math.sqrt(v + eps);
    for (let c = 0; c < C; c++) out[r * C + c] = (x[r * C + c]! - mean) * inv * w[c]! + b[c]!;
  }
  return out;
}

/** x [rows, nIn] · W [nIn, nOut] + b. */
function linear(
  x: Float64Array,
  rows: number,
  nIn: number,
  W: Float64Array,
  b: Float64Array,
  nOut: number,
): Float64Array {
  const out = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < nOut; o++) {
      let s = b[o]!;
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i]! * W[i * nOut + o]!;
      out[r * nOut + o] = s;
    }
  }
  return out;
}

function geluTanh(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/**
 * Logits for one sequence at a time; returns a Float64Array laid out [B, T, V].
 * @param ids B sequences of equal length T ≤ contextLength
 */
export function referenceForward(
  config: GptConfig,
  params: PlainParams,
  ids: readonly (readonly number[])[],
): Float64Array {
  const { vocabSize: V, width: C, heads: H, layerNormEps: eps, contextLength } = config;
  const D = C / H;
  const F = Math.round(config.mlpRatio * C);
  const B = ids.length;
  const T = ids[0]?.length ?? 0;
  const wte = get(params, 'wte', [V, C]);
  const wpe = get(params, 'wpe', [contextLength, C]);
  const logits = new Float64Array(B * T * V);

  for (let bIdx = 0; bIdx < B; bIdx++) {
    const seq = ids[bIdx]!;
    if (seq.length !== T) throw new Error('referenceForward: all sequences must have the same length.');
    // Residual stream x [T, C].
    let x = new Float64Array(T * C);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) x[t * C + c] = wte[seq[t]! * C + c]! + wpe[t * C + c]!;
    }

    for (let l = 0; l < config.layers; l++) {
      const p = `h.${l}.`;
      // Attention.
      const a = layerNorm(x, T, C, get(params, `${p}ln_1.weight`, [C]), get(params, `${p}ln_1.bias`, [C]), eps);
      const qkv = linear(
        a,
        T,
        C,
        get(params, `${p}attn.c_attn.weight`, [C, 3 * C]),
        config.qkvBias === false ? new Float64Array(3 * C) : get(params, `${p}attn.c_attn.bias`, [3 * C]),
        3 * C,
      );
      const y = new Float64Array(T * C);
      const scale = config.attentionScale === 'sqrt' ? 1 / Math.sqrt(D) : 1;
      for (let h = 0; h < H; h++) {
        for (let tq = 0; tq < T; tq++) {
          // Scores against keys 0..tq only: that is the causal mask.
          const scores = new Float64Array(tq + 1);
          let max = -Infinity;
          for (let tk = 0; tk <= tq; tk++) {
            let s = 0;
            for (let d = 0; d < D; d++) s += qkv[tq * 3 * C + h * D + d]! * qkv[tk * 3 * C + C + h * D + d]!;
            scores[tk] = s * scale;
            max = Math.max(max, scores[tk]!);
          }
          let z = 0;
          for (let tk = 0; tk <= tq; tk++) {
            scores[tk] = Math.exp(scores[tk]! - max);
            z += scores[tk]!;
          }
          for (let d = 0; d < D; d++) {
            let s = 0;
            for (let tk = 0; tk <= tq; tk++) s += (scores[tk]! / z) * qkv[tk * 3 * C + 2 * C + h * D + d]!;
            y[tq * C + h * D + d] = s;
          }
        }
      }
      const attnOut = linear(
        y,
        T,
        C,
        get(params, `${p}attn.c_proj.weight`, [C, C]),
        get(params, `${p}attn.c_proj.bias`, [C]),
        C,
      );
      x = x.map((v, i) => v + attnOut[i]!);
      // MLP.
      const m = layerNorm(x, T, C, get(params, `${p}ln_2.weight`, [C]), get(params, `${p}ln_2.bias`, [C]), eps);
      const hidden = linear(
        m,
        T,
        C,
        get(params, `${p}mlp.c_fc.weight`, [C, F]),
        get(params, `${p}mlp.c_fc.bias`, [F]),
        F,
      ).map(geluTanh);
      const mlpOut = linear(
        hidden,
        T,
        F,
        get(params, `${p}mlp.c_proj.weight`, [F, C]),
        get(params, `${p}mlp.c_proj.bias`, [C]),
        C,
      );
      x = x.map((v, i) => v + mlpOut[i]!);
    }

    const f = layerNorm(x, T, C, get(params, 'ln_f.weight', [C]), get(params, 'ln_f.bias', [C]), eps);
    // Tied head: logits[t, v] = f[t] · wte[v].
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += f[t * C + c]! * wte[v * C + c]!;
        logits[(bIdx * T + t) * V + v] = s;
      }
    }
  }
  return logits;
}

/** Mean cross-entropy of `targets` over positions with mask 1, from reference logits [B, T, V]. */
export function referenceLoss(
  logits: Float64Array,
  V: number,
  targets: readonly (readonly number[])[],
  mask: readonly (readonly number[])[],
): number {
  const T = targets[0]?.length ?? 0;
  let sum = 0;
  let count = 0;
  targets.forEach((row, b) =>
    row.forEach((y, t) => {
      const m = mask[b]![t]!;
      if (m === 0) return;
      const off = (b * T + t) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[off + v]!);
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[off + v]! - max);
      sum += m * (Math.log(z) + max - logits[off + y]!);
      count += m;
    }),
  );
  return count > 0 ? sum / count : 0;
}
