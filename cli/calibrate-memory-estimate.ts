/**
 * Re-fits memoryEstimate.ts's coefficients on the WHOLE training step and on cached generation, measured with
 * `tf.profile` (src/core/train/stepMemory.ts) over a set of shapes. Run after changing the model's graph or the
 * optimizer (a fused kernel changes what the tape keeps):
 *
 *   npx tsx cli/calibrate-memory-estimate.ts          # cpu backend (the tensors tfjs tracks are the same on wasm)
 *   npx tsx cli/calibrate-memory-estimate.ts wasm
 *   npx tsx cli/calibrate-memory-estimate.ts cpu llama   # the Llama family's step (LLAMA_STEP_COEFFICIENTS)
 *   npx tsx cli/calibrate-memory-estimate.ts cpu llama-lora   # its LoRA step (LLAMA_LORA_STEP_COEFFICIENTS)
 *
 * Fits, in floats above the weights and moments:
 *   backward − (P + V·C)     ≈ a·L·B·T·C + b·L·B·T·F + c·L·B·H·T² + d·B·T·V + e·B·T·C + w·L·(4C² + 2CF)
 *                              (activations, logits, and the blocks' weight-gradient temporaries)
 *   update − P               ≈ k·G                  (G: AdamW's largest flat group)
 *   generation              ≈ g1·L·B·p·C + g2·L·B·p·F + g3·L·B·H·p² + g4·L·B·(p+n)·C + g5·B·V   (p prompt, n new)
 * then prints each shape's measured and predicted peaks. With `llama`, the step of Llama-shaped models (RMSNorm, RoPE,
 * SwiGLU, grouped attention with KV key/value heads of width D, no biases, tied head) instead, over
 *   backward − P            ≈ a·L·BTC + q·L·BT·H·D + kv·L·BT·KV·D + r·L·BT·H·D·[KV < H] + b·L·BTF + c·L·BHT²
 *                              + d·BTV + w·L·Wb + E·VC      (Wb: blockMatmulWeights, a layer's projections; a BTC term
 *                              outside the layers came out negative, −4.7, collinear with L·BTC, so it is left out)
 *   update − P               ≈ k·G
 * With `llama-lora`, a frozen Llama-shaped base with LoRA adapters: what the backward holds beyond the adapters'
 * gradients and the (full fine-tuning) activations and logits,
 *   backward − Pt ≈ Sa·activations + Sl·logits + Ef·VC + Wf·L·Wb + D·L·BT·S
 *   (activations and logits as estimated for full fine-tuning; S: Σ in + out of a layer's adapted projections)
 */
import { measureGenerationMemory, measureStepMemory } from '../src/core/train/stepMemory';
import { setNodeBackend, type NodeBackendName } from '../src/core/kernels/nodeBackends';
import { countGptParams, mlpWidth, type GptConfig } from '../src/core/model/config';
import { llamaShaped } from '../src/core/model/testing/llamaShaped';
import { loraParameterCount } from '../src/core/model/lora';
import {
  GROUPED_ATTENTION_TARGETS,
  SWIGLU_MLP_TARGETS,
  targetShape,
  type LoraSettings,
  type LoraTarget,
} from '../src/core/model/loraSettings';
import {
  adamwLargestGroup,
  blockMatmulWeights,
  estimateGenerationMemory,
  estimateTrainingMemory,
} from '../src/core/model/memoryEstimate';

/** [V, C, L, H, B, T, mlpRatio] */
const STEP_SHAPES: [number, number, number, number, number, number, number][] = [
  [500, 32, 1, 2, 4, 32, 4],
  [500, 32, 2, 2, 4, 32, 4],
  [500, 32, 3, 2, 4, 32, 4],
  [500, 64, 2, 2, 4, 32, 4],
  [500, 32, 2, 2, 4, 32, 8],
  [500, 32, 2, 8, 4, 32, 4],
  [500, 32, 2, 2, 4, 96, 4],
  [3000, 32, 2, 2, 4, 32, 4],
  [500, 32, 2, 2, 12, 32, 4],
  [2000, 64, 2, 4, 4, 64, 4],
  [300, 64, 4, 4, 8, 32, 4],
  [50, 32, 2, 2, 4, 128, 4],
  [8000, 48, 1, 3, 2, 64, 4],
  // Parameter-heavy: few tokens, wide layers, a big table (the update's and the gradients' terms dominate).
  [4000, 256, 2, 4, 1, 16, 4],
  [12000, 128, 1, 4, 1, 16, 4],
  [2000, 384, 2, 6, 1, 32, 4],
  [1000, 512, 1, 8, 2, 16, 4],
  // One layer at GPT-2's width: what changes with C² shows here.
  [8192, 768, 1, 12, 1, 64, 4],
];

/** [V, C, L, H, B, prompt, new, mlpRatio] */
const GEN_SHAPES: [number, number, number, number, number, number, number, number][] = [
  [500, 32, 2, 2, 4, 16, 16, 4],
  [500, 64, 2, 4, 4, 32, 8, 4],
  [3000, 32, 1, 2, 8, 16, 16, 4],
  [500, 32, 3, 2, 2, 48, 16, 4],
  [2000, 64, 2, 4, 4, 8, 48, 4],
  [500, 32, 2, 8, 4, 32, 32, 4],
  [500, 32, 2, 2, 4, 32, 16, 8],
];

/** Solves (XᵀX) w = Xᵀy by Gaussian elimination with partial pivoting. */
function leastSquares(X: number[][], y: number[]): number[] {
  const n = X[0]!.length;
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => X.reduce((s, r) => s + r[i]! * r[j]!, 0)),
  );
  const b = Array.from({ length: n }, (_, i) => X.reduce((s, r, k) => s + r[i]! * y[k]!, 0));
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let k = i + 1; k < n; k++) if (Math.abs(A[k]![i]!) > Math.abs(A[p]![i]!)) p = k;
    [A[i], A[p]] = [A[p]!, A[i]!];
    [b[i], b[p]] = [b[p]!, b[i]!];
    for (let k = i + 1; k < n; k++) {
      const f = A[k]![i]! / A[i]![i]!;
      for (let j = i; j < n; j++) A[k]![j] = A[k]![j]! - f * A[i]![j]!;
      b[k] = b[k]! - f * b[i]!;
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= A[i]![j]! * w[j]!;
    w[i] = s / A[i]![i]!;
  }
  return w;
}

/**
 * Least squares on relative error (each row divided by its measurement), so small shapes count as much as big
 * ones: the estimate must be right in proportion everywhere.
 */
function relativeFit(X: number[][], y: number[]): number[] {
  return leastSquares(
    X.map((r, i) => r.map((v) => v / y[i]!)),
    y.map(() => 1),
  );
}

const gpt = (V: number, C: number, L: number, H: number, T: number, ratio = 4): GptConfig => ({
  vocabSize: V,
  contextLength: T,
  layers: L,
  width: C,
  heads: H,
  mlpRatio: ratio,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
});
const pct = (predicted: number, measured: number) => `${(((predicted - measured) / measured) * 100).toFixed(1)} %`;

/** [V, C, L, H, KV, D, B, T, F] */
const LLAMA_SHAPES: [number, number, number, number, number, number, number, number, number][] = [
  [500, 32, 1, 4, 2, 8, 4, 32, 64],
  [500, 32, 2, 4, 2, 8, 4, 32, 64],
  [500, 32, 3, 4, 2, 8, 4, 32, 64],
  [500, 64, 2, 4, 2, 16, 4, 32, 128],
  [500, 32, 2, 4, 2, 8, 4, 32, 160],
  [500, 32, 2, 4, 4, 8, 4, 32, 64],
  [500, 32, 2, 4, 1, 8, 4, 32, 64],
  [500, 32, 2, 8, 2, 8, 4, 32, 64],
  [500, 32, 2, 4, 2, 16, 4, 32, 64],
  [500, 32, 2, 4, 2, 8, 4, 96, 64],
  [3000, 32, 2, 4, 2, 8, 4, 32, 64],
  [500, 32, 2, 4, 2, 8, 12, 32, 64],
  [2000, 64, 2, 4, 4, 16, 4, 64, 160],
  [300, 64, 4, 8, 2, 8, 8, 32, 128],
  [8000, 48, 1, 6, 2, 8, 2, 64, 128],
  [4000, 256, 2, 4, 2, 64, 1, 16, 512],
  [2000, 192, 2, 3, 1, 64, 1, 32, 512],
  [8192, 576, 1, 9, 3, 64, 1, 64, 1536],
];

/** The fitted shapes' order: V, C, L, H, KV, D, T, F. */
const llamaOf = (V: number, C: number, L: number, H: number, KV: number, D: number, T: number, F: number): GptConfig =>
  llamaShaped({ vocabSize: V, contextLength: T, layers: L, width: C, heads: H, kvHeads: KV, headDim: D, mlp: F });

async function calibrateLlama(): Promise<void> {
  const X: number[][] = [];
  const y: number[] = [];
  const Xk: number[][] = [];
  const yk: number[] = [];
  const rows: { label: string; config: GptConfig; B: number; T: number; peak: number }[] = [];
  for (const [V, C, L, H, KV, D, B, T, F] of LLAMA_SHAPES) {
    const config = llamaOf(V, C, L, H, KV, D, T, F);
    const m = await measureStepMemory(config, { batchSize: B, contextLength: T, steps: 1 });
    const P = countGptParams(config);
    const t = Object.fromEntries(Object.entries(m.terms).map(([k, v]) => [k, v / 4])) as Record<
      keyof typeof m.terms,
      number
    >;
    const N = B * T;
    X.push([
      L * N * C,
      L * N * H * D,
      L * N * KV * D,
      KV < H ? L * N * H * D : 0,
      L * N * F,
      L * B * H * T * T,
      N * V,
      L * blockMatmulWeights(config),
      V * C,
    ]);
    y.push(t.backward - P);
    Xk.push([adamwLargestGroup(config)]);
    yk.push(t.update - P);
    const label = `V ${V} C ${C} L ${L} H ${H} KV ${KV} D ${D} B ${B} T ${T} F ${F}`;
    rows.push({ label, config, B, T, peak: m.peak });
    console.log(
      `${label}: floats above weights+moments: forward ${t.forward} backward ${t.backward} clip ${t.clip} update ${t.update}`,
    );
  }
  const w = relativeFit(X, y);
  console.log(
    `llama backward [L·BTC, L·BT·HD, L·BT·KVD, L·BT·HD·[KV<H], L·BTF, L·BHT², BTV, L·Wb, VC] = [${w.map((v) => v.toFixed(2)).join(', ')}]`,
  );
  const ratios = yk.map((v, i) => v / Xk[i]![0]!);
  console.log(
    `llama update k·G: least squares ${leastSquares(Xk, yk)[0]!.toFixed(2)}, largest ratio ${Math.max(...ratios).toFixed(2)}`,
  );
  console.log('\nWith the coefficients now in memoryEstimate.ts:');
  for (const r of rows) {
    const e = estimateTrainingMemory(r.config, { batchSize: r.B, contextLength: r.T });
    console.log(`  step ${r.label}: measured ${r.peak} B, estimated ${e.total} B (${pct(e.total, r.peak)})`);
  }
}

/** [V, C, L, H, KV, D, B, T, F, targets]: SmolLM2's two defaults (q, v) and all seven projections. */
const QV: LoraTarget[] = ['attn.q_proj', 'attn.v_proj'];
const ALL7: LoraTarget[] = [...GROUPED_ATTENTION_TARGETS, ...SWIGLU_MLP_TARGETS];
const LLAMA_LORA_SHAPES: [number, number, number, number, number, number, number, number, number, LoraTarget[]][] = [
  [500, 32, 1, 4, 2, 8, 4, 32, 64, QV],
  [500, 32, 2, 4, 2, 8, 4, 32, 64, QV],
  [500, 64, 2, 4, 2, 16, 4, 64, 128, QV],
  [3000, 32, 2, 4, 2, 8, 4, 32, 64, QV],
  [500, 32, 2, 4, 2, 8, 12, 32, 64, ALL7],
  [2000, 64, 2, 4, 4, 16, 4, 64, 160, ALL7],
  [8000, 48, 1, 6, 2, 8, 2, 64, 128, QV],
  [4000, 256, 2, 4, 2, 64, 1, 16, 512, ALL7],
  [8192, 576, 1, 9, 3, 64, 1, 64, 1536, QV],
];

async function calibrateLlamaLora(): Promise<void> {
  const X: number[][] = [];
  const y: number[] = [];
  const rows: { label: string; config: GptConfig; B: number; T: number; lora: LoraSettings; peak: number }[] = [];
  for (const [V, C, L, H, KV, D, B, T, F, targets] of LLAMA_LORA_SHAPES) {
    const config = llamaOf(V, C, L, H, KV, D, T, F);
    const lora: LoraSettings = { rank: 8, alpha: 16, targets, biases: false, layerNorms: false };
    const m = await measureStepMemory(config, { batchSize: B, contextLength: T, steps: 1, trainable: 'lora', lora });
    const Pt = loraParameterCount(config, lora);
    const full = estimateTrainingMemory(config, { batchSize: B, contextLength: T });
    const backward = m.terms.backward / 4;
    const S = targets.reduce((n, t) => n + targetShape(config, t)[0] + targetShape(config, t)[1], 0);
    X.push([full.activations / 4, full.logits / 4, V * C, L * blockMatmulWeights(config), L * B * T * S]);
    y.push(backward - Pt);
    const label = `V ${V} C ${C} L ${L} H ${H} KV ${KV} D ${D} B ${B} T ${T} F ${F} r 8 on ${targets.length} projections`;
    rows.push({ label, config, B, T, lora, peak: m.peak });
    console.log(`${label}: backward ${backward} floats above weights+moments, peak ${m.peak} B`);
  }
  const w = relativeFit(X, y);
  console.log(`llama lora [Sa, Sl, Ef, Wf, D] = [${w.map((v) => v.toFixed(2)).join(', ')}]`);
  console.log('\nWith the coefficients now in memoryEstimate.ts:');
  for (const r of rows) {
    const e = estimateTrainingMemory(r.config, {
      batchSize: r.B,
      contextLength: r.T,
      trainableParameters: loraParameterCount(r.config, r.lora),
      lora: r.lora,
    });
    console.log(`  step ${r.label}: measured ${r.peak} B, estimated ${e.total} B (${pct(e.total, r.peak)})`);
  }
}

await setNodeBackend((process.argv[2] ?? 'cpu') as NodeBackendName);
if (process.argv[3] === 'llama-lora') {
  await calibrateLlamaLora();
  process.exit(0);
}
if (process.argv[3] === 'llama') {
  await calibrateLlama();
  process.exit(0);
}

const Xa: number[][] = [];
const ya: number[] = [];
const Xu: number[][] = [];
const yu: number[] = [];
const steps: { label: string; config: GptConfig; B: number; T: number; peak: number }[] = [];
for (const [V, C, L, H, B, T, ratio] of STEP_SHAPES) {
  const config = gpt(V, C, L, H, T, ratio);
  const m = await measureStepMemory(config, { batchSize: B, contextLength: T, steps: 1 });
  const P = countGptParams(config);
  const F = mlpWidth(config);
  const t = Object.fromEntries(Object.entries(m.terms).map(([k, v]) => [k, v / 4])) as Record<
    keyof typeof m.terms,
    number
  >;
  Xa.push([L * B * T * C, L * B * T * F, L * B * H * T * T, B * T * V, B * T * C, L * (4 * C * C + 2 * C * F)]);
  ya.push(t.backward - P - V * C);
  Xu.push([adamwLargestGroup(config)]);
  yu.push(t.update - P);
  const label = `V ${V} C ${C} L ${L} H ${H} B ${B} T ${T} F ${F}`;
  steps.push({ label, config, B, T, peak: m.peak });
  console.log(
    `${label}: floats above weights+moments: forward ${t.forward} backward ${t.backward} clip ${t.clip} update ${t.update}`,
  );
}
const wa = relativeFit(Xa, ya);
const wu = leastSquares(Xu, yu);
console.log(
  `activations + logits + weight-gradient temporaries [L·BTC, L·BTF, L·BHT², BTV, BTC, L·(4C²+2CF)] = [${wa.map((v) => v.toFixed(2)).join(', ')}]`,
);
console.log(`update temporaries [G] = [${wu.map((v) => v.toFixed(2)).join(', ')}]`);

const Xg: number[][] = [];
const yg: number[] = [];
const gens: { label: string; config: GptConfig; B: number; p: number; n: number; peak: number }[] = [];
for (const [V, C, L, H, B, p, n, ratio] of GEN_SHAPES) {
  const config = gpt(V, C, L, H, p + n, ratio);
  const g = await measureGenerationMemory(config, { batchSize: B, promptLength: p, newTokens: n });
  const F = mlpWidth(config);
  Xg.push([L * B * p * C, L * B * p * F, L * B * H * p * p, L * B * (p + n) * C, B * V]);
  yg.push(g.peak / 4);
  const label = `V ${V} C ${C} L ${L} H ${H} B ${B} prompt ${p} new ${n}`;
  gens.push({ label, config, B, p, n, peak: g.peak });
  console.log(`${label}: generation peak ${g.peak / 4} floats above the weights`);
}
const wg = relativeFit(Xg, yg);
console.log(`generation [L·BpC, L·BpF, L·BHp², L·B(p+n)C, BV] = [${wg.map((v) => v.toFixed(2)).join(', ')}]`);

console.log('\nWith the coefficients now in memoryEstimate.ts:');
for (const s of steps) {
  const e = estimateTrainingMemory(s.config, { batchSize: s.B, contextLength: s.T });
  console.log(`  step ${s.label}: measured ${s.peak} B, estimated ${e.total} B (${pct(e.total, s.peak)})`);
}
for (const g of gens) {
  const e = estimateGenerationMemory(g.config, { batchSize: g.B, promptLength: g.p, newTokens: g.n });
  console.log(
    `  generation ${g.label}: measured ${g.peak} B above the weights, estimated ${e.total - e.weights} B (${pct(e.total - e.weights, g.peak)})`,
  );
}
