/**
 * Test support: GPT-2 and GPT-Neo forward passes in plain Float64 loops that read a Hugging Face checkpoint
 * DIRECTLY — its own tensor names, its own layouts, its own config.json fields — written from the architectures
 * as transformers implements them (modeling_gpt2.py, modeling_gpt_neo.py), sharing nothing with our importer, our
 * tfjs model or `referenceForward.ts`. If the importer transposes or fuses something wrongly, our logits and these
 * disagree.
 *
 *   GPT-2:   x = wte[ids] + wpe[pos]; per block: x += c_proj(attn(ln_1(x))); x += mlp(ln_2(x)); logits = ln_f(x) · wteᵀ
 *            Conv1D(x) = x · W + b with W stored [in, out]; q|k|v = the three C-column blocks of c_attn(x);
 *            scores = q·k / √d (unless scale_attn_weights is false), causal.
 *   GPT-Neo: the same skeleton, but nn.Linear(x) = x · Wᵀ (+ b) with W stored [out, in]; q, k, v separate, no bias;
 *            scores are NOT scaled; "local" layers let a query see only keys less than window_size positions back.
 *   Both:    gelu_new (tanh), LayerNorm with biased variance, tied head.
 * Slow scalar loops: for tiny models only.
 */

export interface HfTensor {
  shape: readonly number[];
  data: ArrayLike<number>;
}

type Cfg = Record<string, unknown>;

function n(cfg: Cfg, key: string): number {
  const v = cfg[key];
  if (typeof v !== 'number') throw new Error(`hfReference: config.${key} missing`);
  return v;
}

class Weights {
  constructor(private readonly tensors: Record<string, HfTensor>) {}
  get(name: string, shape: number[]): Float64Array {
    const t = this.tensors[name];
    if (t === undefined) throw new Error(`hfReference: tensor ${name} missing`);
    if (t.shape.join(',') !== shape.join(','))
      throw new Error(`hfReference: ${name} is [${t.shape}], expected [${shape}]`);
    return Float64Array.from(t.data);
  }
}

function layerNorm(x: Float64Array, T: number, C: number, w: Float64Array, b: Float64Array, eps: number): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[t * C + c]!;
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[t * C + c]! - mean) ** 2;
    variance /= C;
    for (let c = 0; c < C; c++) out[t * C + c] = ((x[t * C + c]! - mean) / Math.sqrt(variance + eps)) * w[c]! + b[c]!;
  }
  return out;
}

/** transformers' Conv1D: W is [nIn, nOut]; y = x · W + b. */
function conv1d(x: Float64Array, T: number, nIn: number, W: Float64Array, b: Float64Array, nOut: number): Float64Array {
  const y = new Float64Array(T * nOut);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < nOut; o++) {
      let s = b[o]!;
      for (let i = 0; i < nIn; i++) s += x[t * nIn + i]! * W[i * nOut + o]!;
      y[t * nOut + o] = s;
    }
  }
  return y;
}

/** torch.nn.Linear: W is [nOut, nIn]; y = x · Wᵀ + b (b optional). */
function nnLinear(
  x: Float64Array,
  T: number,
  nIn: number,
  W: Float64Array,
  b: Float64Array | undefined,
  nOut: number,
): Float64Array {
  const y = new Float64Array(T * nOut);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < nOut; o++) {
      let s = b === undefined ? 0 : b[o]!;
      for (let i = 0; i < nIn; i++) s += x[t * nIn + i]! * W[o * nIn + i]!;
      y[t * nOut + o] = s;
    }
  }
  return y;
}

const geluNew = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));

/**
 * Multi-head attention over separate q, k, v [T, C] (heads = contiguous D-column blocks). `visible(query, key)`
 * is the mask; `scale` multiplies the scores.
 */
function attention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  T: number,
  C: number,
  H: number,
  scale: number,
  visible: (tq: number, tk: number) => boolean,
): Float64Array {
  const D = C / H;
  const y = new Float64Array(T * C);
  for (let h = 0; h < H; h++) {
    for (let tq = 0; tq < T; tq++) {
      const w = new Float64Array(T);
      let max = -Infinity;
      for (let tk = 0; tk < T; tk++) {
        if (!visible(tq, tk)) {
          w[tk] = -Infinity;
          continue;
        }
        let s = 0;
        for (let d = 0; d < D; d++) s += q[tq * C + h * D + d]! * k[tk * C + h * D + d]!;
        w[tk] = s * scale;
        max = Math.max(max, w[tk]!);
      }
      let z = 0;
      for (let tk = 0; tk < T; tk++) {
        w[tk] = w[tk] === -Infinity ? 0 : Math.exp(w[tk]! - max);
        z += w[tk]!;
      }
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let tk = 0; tk < T; tk++) s += (w[tk]! / z) * v[tk * C + h * D + d]!;
        y[tq * C + h * D + d] = s;
      }
    }
  }
  return y;
}

function prefixOf(tensors: Record<string, HfTensor>): string {
  return 'transformer.wte.weight' in tensors ? 'transformer.' : '';
}

function embedAndHead(
  w: Weights,
  p: string,
  V: number,
  C: number,
  P: number,
  eps: number,
  ids: readonly number[],
  blocks: (x: Float64Array, T: number) => Float64Array,
): Float64Array {
  const T = ids.length;
  const wte = w.get(`${p}wte.weight`, [V, C]);
  const wpe = w.get(`${p}wpe.weight`, [P, C]);
  let x: Float64Array = new Float64Array(T * C);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) x[t * C + c] = wte[ids[t]! * C + c]! + wpe[t * C + c]!;
  x = blocks(x, T);
  const f = layerNorm(x, T, C, w.get(`${p}ln_f.weight`, [C]), w.get(`${p}ln_f.bias`, [C]), eps);
  const logits = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += f[t * C + c]! * wte[v * C + c]!;
      logits[t * V + v] = s;
    }
  }
  return logits;
}

/** Logits [T, V] of HF GPT-2 for one sequence. */
export function hfGpt2Logits(configJson: Cfg, tensors: Record<string, HfTensor>, ids: readonly number[]): Float64Array {
  const C = n(configJson, 'n_embd');
  const H = n(configJson, 'n_head');
  const L = n(configJson, 'n_layer');
  const V = n(configJson, 'vocab_size');
  const P = n(configJson, 'n_positions');
  const eps = n(configJson, 'layer_norm_epsilon');
  const F = typeof configJson.n_inner === 'number' ? configJson.n_inner : 4 * C;
  const scale = configJson.scale_attn_weights === false ? 1 : 1 / Math.sqrt(C / H);
  const w = new Weights(tensors);
  const p = prefixOf(tensors);
  return embedAndHead(w, p, V, C, P, eps, ids, (x0, T) => {
    let x = x0;
    for (let l = 0; l < L; l++) {
      const h = `${p}h.${l}.`;
      const a = layerNorm(x, T, C, w.get(`${h}ln_1.weight`, [C]), w.get(`${h}ln_1.bias`, [C]), eps);
      const qkv = conv1d(
        a,
        T,
        C,
        w.get(`${h}attn.c_attn.weight`, [C, 3 * C]),
        w.get(`${h}attn.c_attn.bias`, [3 * C]),
        3 * C,
      );
      // qkv.split(n_embd, dim=2)
      const part = (j: number) => {
        const out = new Float64Array(T * C);
        for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) out[t * C + c] = qkv[t * 3 * C + j * C + c]!;
        return out;
      };
      const y = attention(part(0), part(1), part(2), T, C, H, scale, (tq, tk) => tk <= tq);
      const o = conv1d(y, T, C, w.get(`${h}attn.c_proj.weight`, [C, C]), w.get(`${h}attn.c_proj.bias`, [C]), C);
      x = x.map((v, i) => v + o[i]!);
      const m = layerNorm(x, T, C, w.get(`${h}ln_2.weight`, [C]), w.get(`${h}ln_2.bias`, [C]), eps);
      const hidden = conv1d(m, T, C, w.get(`${h}mlp.c_fc.weight`, [C, F]), w.get(`${h}mlp.c_fc.bias`, [F]), F).map(
        geluNew,
      );
      const mo = conv1d(hidden, T, F, w.get(`${h}mlp.c_proj.weight`, [F, C]), w.get(`${h}mlp.c_proj.bias`, [C]), C);
      x = x.map((v, i) => v + mo[i]!);
    }
    return x;
  });
}

/** GPT-Neo's per-layer attention kinds, from attention_layers or expanded from attention_types. */
function neoKinds(cfg: Cfg, L: number): string[] {
  if (Array.isArray(cfg.attention_layers)) return cfg.attention_layers as string[];
  const out: string[] = [];
  for (const [kinds, repeat] of cfg.attention_types as [string[], number][])
    for (let r = 0; r < repeat; r++) out.push(...kinds);
  if (out.length !== L) throw new Error('hfReference: attention_types do not cover num_layers');
  return out;
}

/** Logits [T, V] of HF GPT-Neo for one sequence (T may exceed window_size: local layers then mask far keys). */
export function hfGptNeoLogits(
  configJson: Cfg,
  tensors: Record<string, HfTensor>,
  ids: readonly number[],
): Float64Array {
  const C = n(configJson, 'hidden_size');
  const H = n(configJson, 'num_heads');
  const L = n(configJson, 'num_layers');
  const V = n(configJson, 'vocab_size');
  const P = n(configJson, 'max_position_embeddings');
  const eps = n(configJson, 'layer_norm_epsilon');
  const window = n(configJson, 'window_size');
  const F = typeof configJson.intermediate_size === 'number' ? configJson.intermediate_size : 4 * C;
  const kinds = neoKinds(configJson, L);
  const w = new Weights(tensors);
  const p = prefixOf(tensors);
  return embedAndHead(w, p, V, C, P, eps, ids, (x0, T) => {
    let x = x0;
    for (let l = 0; l < L; l++) {
      const h = `${p}h.${l}.`;
      const at = `${h}attn.attention.`;
      const a = layerNorm(x, T, C, w.get(`${h}ln_1.weight`, [C]), w.get(`${h}ln_1.bias`, [C]), eps);
      const q = nnLinear(a, T, C, w.get(`${at}q_proj.weight`, [C, C]), undefined, C);
      const k = nnLinear(a, T, C, w.get(`${at}k_proj.weight`, [C, C]), undefined, C);
      const v = nnLinear(a, T, C, w.get(`${at}v_proj.weight`, [C, C]), undefined, C);
      const local = kinds[l] === 'local';
      // GPT-Neo's local mask: bias = tril(ones) XOR tril(ones, -window_size), i.e. 0 ≤ query − key < window.
      const y = attention(q, k, v, T, C, H, 1, (tq, tk) => tk <= tq && (!local || tq - tk < window));
      const o = nnLinear(y, T, C, w.get(`${at}out_proj.weight`, [C, C]), w.get(`${at}out_proj.bias`, [C]), C);
      x = x.map((val, i) => val + o[i]!);
      const m = layerNorm(x, T, C, w.get(`${h}ln_2.weight`, [C]), w.get(`${h}ln_2.bias`, [C]), eps);
      const hidden = nnLinear(m, T, C, w.get(`${h}mlp.c_fc.weight`, [F, C]), w.get(`${h}mlp.c_fc.bias`, [F]), F).map(
        geluNew,
      );
      const mo = nnLinear(hidden, T, F, w.get(`${h}mlp.c_proj.weight`, [C, F]), w.get(`${h}mlp.c_proj.bias`, [C]), C);
      x = x.map((val, i) => val + mo[i]!);
    }
    return x;
  });
}

/** The reference for whichever architecture config.json names. */
export function hfLogits(configJson: Cfg, tensors: Record<string, HfTensor>, ids: readonly number[]): Float64Array {
  return configJson.model_type === 'gpt_neo'
    ? hfGptNeoLogits(configJson, tensors, ids)
    : hfGpt2Logits(configJson, tensors, ids);
}
