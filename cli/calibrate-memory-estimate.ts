/**
 * Re-fits memoryEstimate.ts's coefficients: measures the peak bytes of one forward + backward of gpt.ts over a set of
 * shapes with `tf.profile` (cpu backend) and fits peak ≈ a·L·B·T·C + b·L·B·T·F + c·L·B·H·T² + d·B·T·V + e·B·T·C + f·P
 * (floats) by least squares. Run after changing the model's graph (a fused kernel changes what the tape keeps):
 *
 *   npx tsx cli/calibrate-memory-estimate.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';
import { lossAndGrads } from '../src/core/train/optimizer';
import { countGptParams, type GptConfig } from '../src/core/model/config';
import { disposeGptParams, gptLoss, initGptParams } from '../src/core/model/gpt';

const SHAPES: [V: number, C: number, L: number, H: number, B: number, T: number, ratio: number][] = [
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
];

/** Solves (XᵀX) w = Xᵀy by Gaussian elimination with partial pivoting. */
function leastSquares(X: number[][], y: number[]): number[] {
  const n = X[0]!.length;
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => X.reduce((s, r) => s + r[i]! * r[j]!, 0)));
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

await setNodeBackend('cpu');
const X: number[][] = [];
const y: number[] = [];
for (const [V, C, L, H, B, T, ratio] of SHAPES) {
  const config: GptConfig = { vocabSize: V, contextLength: T, layers: L, width: C, heads: H, mlpRatio: ratio, layerNormEps: 1e-5, attentionScale: 'sqrt' };
  const params = initGptParams(config, 1);
  const ids = tf.randomUniform([B, T], 0, V, 'int32') as tf.Tensor2D;
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  tf.tidy(() => gptLoss(config, params, ids, ids, mask)); // builds the cached causal mask outside the measurement
  const before = tf.memory().numBytes;
  const profile = await tf.profile(() =>
    tf.tidy(() => {
      const { value, grads } = lossAndGrads(params, () => gptLoss(config, params, ids, ids, mask));
      return [value, ...Object.values(grads)];
    }),
  );
  const peakFloats = (profile.peakBytes - before) / 4;
  tf.dispose(profile.result as tf.Tensor[]);
  disposeGptParams(params);
  tf.dispose([ids, mask]);
  const F = ratio * C;
  X.push([L * B * T * C, L * B * T * F, L * B * H * T * T, B * T * V, B * T * C, countGptParams(config)]);
  y.push(peakFloats);
  console.log(`V ${V} C ${C} L ${L} H ${H} B ${B} T ${T} F ${F}: peak ${peakFloats} floats`);
}
const w = leastSquares(X, y);
console.log(`fit [L·BTC, L·BTF, L·BHT², BTV, BTC, P] = [${w.map((v) => v.toFixed(2)).join(', ')}]`);
