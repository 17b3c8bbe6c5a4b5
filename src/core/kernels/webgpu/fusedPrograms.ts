/**
 * The WGSL of the fused training kernels, registered for tfjs's webgpu backend under the names of
 * kernels/fusedKernelNames.ts; the ops in src/core/ops call them by those names and give them their gradients. Each
 * replaces a chain of stock kernels by one dispatch:
 *   FusedLayerNorm            x, γ, β → y            (row statistics, normalise, affine)
 *   FusedLayerNormStats       x → [N, 2]             (mean, 1/√(var + eps) per row, for the backward)
 *   FusedLayerNormGradX       x, stats, γ, dy → dx
 *   FusedLayerNormGradParams  x, stats, dy → dγ (part 0); dy → dβ (part 1)
 *   FusedGelu / FusedGeluGrad GPT-2's tanh GELU and its derivative times dy
 *   FusedBiasGelu / …Grad     the same of x + bias (bias [C] over the rows of x [N, C])
 *   FusedColumnSum            x [N, C] → Σ over the rows [C] (the bias's gradient; dβ's program)
 *   FusedLinear               a [N, K] · b [K, M] + bias [M]: tfjs's own _FusedMatMul kernel, called without the
 *                             fused.matMul op's 3-D reshapes and customGrad (ops/linear.ts gives it a 2-D gradient)
 *   FusedResidualAdd          a + b of one shape: tfjs's Add kernel, with a gradient that saves nothing
 *   FusedCausalSoftmax        scores [B, H, T, T] → softmax(scale·scores) with keys after the query masked to 0
 *   FusedSoftmaxGrad          p, dp → scale·p·(dp − Σ p·dp)
 *   FusedCrossEntropyRows     logits [N, V], labels → logSumExp − logit[label] per row
 *   FusedCrossEntropyGrad     logits, labels, scale [N] → (softmax − onehot(label))·scale
 *
 * Row kernels run one thread per short row, or one workgroup of 64 threads per long row (`lanesFor`), looping over
 * rows past the 65 535 workgroups of one dispatch; every program
 * binds at most 4 storage buffers plus the output (the default limit is 8) and keys its shader on ranks only, so each
 * compiles once per model. Importing this file pulls in no backend: the programs are plain objects tfjs compiles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fusedKernelNames';
import { ADAMW_KERNEL_FUNCS } from './adamwPrograms';
import { FAMILY_KERNEL_FUNCS } from './familyPrograms';
import {
  f32,
  i32,
  ins,
  lastTwoDims,
  launch,
  matrixDims,
  program,
  type FusedProgram,
  type KernelParams,
  type WebGPUBackendLike,
} from './fusedProgram';

export { capFusedWorkgroups, lanesFor } from './fusedProgram';

// ───────────────────────────── LayerNorm ─────────────────────────────

const LN_STATS = `
    let C = uniforms.cols;
    let base = row * C;
    var s = 0.0;
    for (var c = tid; c < C; c = c + LANES) { s = s + x[base + c]; }
    let mean = rowSum(s, tid) / f32(C);
    var q = 0.0;
    for (var c = tid; c < C; c = c + LANES) { let d = x[base + c] - mean; q = q + d * d; }
    let rstd = 1.0 / sqrt(rowSum(q, tid) / f32(C) + uniforms.eps);`;

function layerNormProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedLayerNorm',
    ['x', 'gamma', 'beta'],
    [N, C],
    `${LN_STATS}
    for (var c = tid; c < C; c = c + LANES) { result[base + c] = (x[base + c] - mean) * rstd * gamma[c] + beta[c]; }`,
    { rows: N, cols: C, uniforms: 'cols : i32, eps : f32,' },
  );
}

function layerNormStatsProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedLayerNormStats',
    ['x'],
    [N, 2],
    `${LN_STATS}
    if (tid == 0) { result[row * 2] = mean; result[row * 2 + 1] = rstd; }`,
    { rows: N, cols: C, uniforms: 'cols : i32, eps : f32,' },
  );
}

// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, x̂ = (x − mean)·rstd.
function layerNormGradXProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedLayerNormGradX',
    ['x', 'stats', 'gamma', 'dy'],
    [N, C],
    `
    let C = uniforms.cols;
    let base = row * C;
    let mean = stats[row * 2];
    let rstd = stats[row * 2 + 1];
    var sg = 0.0;
    var sgx = 0.0;
    for (var c = tid; c < C; c = c + LANES) {
      let g = dy[base + c] * gamma[c];
      sg = sg + g;
      sgx = sgx + g * (x[base + c] - mean) * rstd;
    }
    let meanG = rowSum(sg, tid) / f32(C);
    let meanGX = rowSum(sgx, tid) / f32(C);
    for (var c = tid; c < C; c = c + LANES) {
      let xhat = (x[base + c] - mean) * rstd;
      result[base + c] = rstd * (dy[base + c] * gamma[c] - meanG - xhat * meanGX);
    }`,
    { rows: N, cols: C, uniforms: 'cols : i32,' },
  );
}

// One thread per column, summing over the rows: dγ = Σ dy·x̂ (part 0), dβ = Σ dy (part 1).
function layerNormGradParamsProgram(C: number, part: 0 | 1): FusedProgram {
  // dβ binds dy alone: WebGPU's automatic layout drops unused bindings, and tfjs would still bind them (invalid).
  const term = part === 0 ? 'dy[i] * (x[i] - stats[n * 2]) * stats[n * 2 + 1]' : 'dy[i]';
  return program(
    `fusedLayerNormGradParams${part}`,
    part === 0 ? ['x', 'stats', 'dy'] : ['dy'],
    [C],
    `
    let C = uniforms.cols;
    let N = uniforms.rows;
    for (var c = index; c < C; c = c + stride) {
      var s = 0.0;
      for (var n = 0; n < N; n = n + 1) { let i = n * C + c; s = s + ${term}; }
      result[c] = s;
    }`,
    { uniforms: 'cols : i32, rows : i32,' },
  );
}

// ───────────────────────────── GELU ─────────────────────────────

const GELU_C = Math.sqrt(2 / Math.PI).toFixed(9);

// With `bias`, GELU of x + bias[column] (the MLP's c_fc bias), x [N, cols].
const geluInput = (bias: boolean) => (bias ? 'x[i] + bias[i % uniforms.cols]' : 'x[i]');
const geluUniforms = (bias: boolean) => (bias ? 'count : i32, cols : i32,' : 'count : i32,');

function geluProgram(shape: number[], bias: boolean): FusedProgram {
  return program(
    bias ? 'fusedBiasGelu' : 'fusedGelu',
    bias ? ['x', 'bias'] : ['x'],
    shape,
    `
    for (var i = index; i < uniforms.count; i = i + stride) {
      let v = ${geluInput(bias)};
      result[i] = 0.5 * v * (1.0 + safeTanh(${GELU_C} * (v + 0.044715 * v * v * v)));
    }`,
    { uniforms: geluUniforms(bias) },
  );
}

function geluGradProgram(shape: number[], bias: boolean): FusedProgram {
  return program(
    bias ? 'fusedBiasGeluGrad' : 'fusedGeluGrad',
    bias ? ['x', 'bias', 'dy'] : ['x', 'dy'],
    shape,
    `
    for (var i = index; i < uniforms.count; i = i + stride) {
      let v = ${geluInput(bias)};
      let t = safeTanh(${GELU_C} * (v + 0.044715 * v * v * v));
      let dInner = ${GELU_C} * (1.0 + 3.0 * 0.044715 * v * v);
      result[i] = dy[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * dInner);
    }`,
    { uniforms: geluUniforms(bias) },
  );
}

// ───────────────────────────── causal softmax ─────────────────────────────

// Row r is query (r mod queries), which sees keys 0 … query; later keys get probability 0, as exp(MASKED) does.
function causalSoftmaxProgram(shape: number[]): FusedProgram {
  const [, cols] = lastTwoDims(shape, 'FusedCausalSoftmax');
  const rows = tf.util.sizeFromShape(shape) / cols;
  return program(
    'fusedCausalSoftmax',
    ['scores'],
    shape,
    `
    let K = uniforms.cols;
    let base = row * K;
    let last = row % uniforms.queries;
    var m = -3.402823e38;
    for (var c = tid; c <= last; c = c + LANES) { m = max(m, scores[base + c] * uniforms.scale); }
    let rowMaxValue = rowMax(m, tid);
    var s = 0.0;
    for (var c = tid; c <= last; c = c + LANES) { s = s + exp(scores[base + c] * uniforms.scale - rowMaxValue); }
    let total = rowSum(s, tid);
    for (var c = tid; c < K; c = c + LANES) {
      var p = 0.0;
      if (c <= last) { p = exp(scores[base + c] * uniforms.scale - rowMaxValue) / total; }
      result[base + c] = p;
    }`,
    { rows, cols, uniforms: 'cols : i32, queries : i32, scale : f32,' },
  );
}

function softmaxGradProgram(shape: number[]): FusedProgram {
  const [, cols] = lastTwoDims(shape, 'FusedSoftmaxGrad');
  const rows = tf.util.sizeFromShape(shape) / cols;
  return program(
    'fusedSoftmaxGrad',
    ['p', 'dp'],
    shape,
    `
    let K = uniforms.cols;
    let base = row * K;
    var s = 0.0;
    for (var c = tid; c < K; c = c + LANES) { s = s + p[base + c] * dp[base + c]; }
    let pdp = rowSum(s, tid);
    for (var c = tid; c < K; c = c + LANES) { result[base + c] = uniforms.scale * p[base + c] * (dp[base + c] - pdp); }`,
    {
      rows,
      cols,
      uniforms: 'cols : i32, scale : f32,',
    },
  );
}

// ───────────────────────────── sparse cross-entropy ─────────────────────────────

const CE_STATS = `
    let V = uniforms.cols;
    let base = row * V;
    var m = -3.402823e38;
    for (var c = tid; c < V; c = c + LANES) { m = max(m, logits[base + c]); }
    let rowMaxValue = rowMax(m, tid);
    var s = 0.0;
    for (var c = tid; c < V; c = c + LANES) { s = s + exp(logits[base + c] - rowMaxValue); }
    let total = rowSum(s, tid);`;

function crossEntropyRowsProgram(N: number, V: number): FusedProgram {
  return program(
    'fusedCrossEntropyRows',
    ['logits', 'labels'],
    [N],
    `${CE_STATS}
    if (tid == 0) { result[row] = log(total) + rowMaxValue - logits[base + labels[row]]; }`,
    { rows: N, cols: V, uniforms: 'cols : i32,' },
  );
}

function crossEntropyGradProgram(N: number, V: number): FusedProgram {
  return program(
    'fusedCrossEntropyGrad',
    ['logits', 'labels', 'scale'],
    [N, V],
    `${CE_STATS}
    let label = labels[row];
    let k = scale[row];
    for (var c = tid; c < V; c = c + LANES) {
      var d = exp(logits[base + c] - rowMaxValue) / total;
      if (c == label) { d = d - 1.0; }
      result[base + c] = d * k;
    }`,
    { rows: N, cols: V, uniforms: 'cols : i32,' },
  );
}

const KERNELS: Record<string, (p: KernelParams, backend: WebGPUBackendLike) => tf.TensorInfo> = {
  [FUSED_KERNELS.layerNorm]: (p, b) => {
    const [x, gamma, beta] = ins(p, 'x', 'gamma', 'beta');
    const [N, C] = matrixDims(x, 'FusedLayerNorm');
    return launch(b, layerNormProgram(N, C), [x, gamma, beta], [i32(C), f32(p.attrs!.eps as number)]);
  },
  [FUSED_KERNELS.layerNormStats]: (p, b) => {
    const [x] = ins(p, 'x');
    const [N, C] = matrixDims(x, 'FusedLayerNormStats');
    return launch(b, layerNormStatsProgram(N, C), [x], [i32(C), f32(p.attrs!.eps as number)]);
  },
  [FUSED_KERNELS.layerNormGradX]: (p, b) => {
    const [x, stats, gamma, dy] = ins(p, 'x', 'stats', 'gamma', 'dy');
    const [N, C] = matrixDims(x, 'FusedLayerNormGradX');
    return launch(b, layerNormGradXProgram(N, C), [x, stats, gamma, dy], [i32(C)]);
  },
  [FUSED_KERNELS.layerNormGradParams]: (p, b) => {
    const [x, stats, dy] = ins(p, 'x', 'stats', 'dy');
    const [N, C] = matrixDims(x, 'FusedLayerNormGradParams');
    const part = p.attrs!.part as 0 | 1;
    return launch(b, layerNormGradParamsProgram(C, part), part === 0 ? [x, stats, dy] : [dy], [i32(C), i32(N)]);
  },
  [FUSED_KERNELS.gelu]: (p, b) => {
    const [x] = ins(p, 'x');
    return launch(b, geluProgram(x.shape, false), [x], [i32(tf.util.sizeFromShape(x.shape))]);
  },
  [FUSED_KERNELS.geluGrad]: (p, b) => {
    const [x, dy] = ins(p, 'x', 'dy');
    return launch(b, geluGradProgram(x.shape, false), [x, dy], [i32(tf.util.sizeFromShape(x.shape))]);
  },
  [FUSED_KERNELS.biasGelu]: (p, b) => {
    const [x, bias] = ins(p, 'x', 'bias');
    const [, C] = matrixDims(x, 'FusedBiasGelu');
    return launch(b, geluProgram(x.shape, true), [x, bias], [i32(tf.util.sizeFromShape(x.shape)), i32(C)]);
  },
  [FUSED_KERNELS.biasGeluGrad]: (p, b) => {
    const [x, bias, dy] = ins(p, 'x', 'bias', 'dy');
    const [, C] = matrixDims(x, 'FusedBiasGeluGrad');
    return launch(b, geluGradProgram(x.shape, true), [x, bias, dy], [i32(tf.util.sizeFromShape(x.shape)), i32(C)]);
  },
  [FUSED_KERNELS.linear]: (p) => {
    const matMul = tf.getKernel('_FusedMatMul', 'webgpu');
    if (!matMul) throw new Error('FusedLinear: tfjs-backend-webgpu has no _FusedMatMul kernel registered.');
    const attrs = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };
    return matMul.kernelFunc({ ...p, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  },
  [FUSED_KERNELS.residualAdd]: (p) => {
    const add = tf.getKernel('Add', 'webgpu');
    if (!add) throw new Error('FusedResidualAdd: tfjs-backend-webgpu has no Add kernel registered.');
    return add.kernelFunc({ ...p, attrs: {} }) as tf.TensorInfo;
  },
  [FUSED_KERNELS.columnSum]: (p, b) => {
    const [x] = ins(p, 'x');
    const [N, C] = matrixDims(x, 'FusedColumnSum');
    return launch(b, layerNormGradParamsProgram(C, 1), [x], [i32(C), i32(N)]);
  },
  [FUSED_KERNELS.causalSoftmax]: (p, b) => {
    const [scores] = ins(p, 'scores');
    const [queries, keys] = lastTwoDims(scores.shape, 'FusedCausalSoftmax');
    return launch(
      b,
      causalSoftmaxProgram(scores.shape),
      [scores],
      [i32(keys), i32(queries), f32(p.attrs!.scale as number)],
    );
  },
  [FUSED_KERNELS.softmaxGrad]: (p, b) => {
    const [probs, dp] = ins(p, 'p', 'dp');
    const [, keys] = lastTwoDims(probs.shape, 'FusedSoftmaxGrad');
    return launch(b, softmaxGradProgram(probs.shape), [probs, dp], [i32(keys), f32(p.attrs!.scale as number)]);
  },
  [FUSED_KERNELS.crossEntropyRows]: (p, b) => {
    const [logits, labels] = ins(p, 'logits', 'labels');
    const [N, V] = matrixDims(logits, 'FusedCrossEntropyRows');
    return launch(b, crossEntropyRowsProgram(N, V), [logits, labels], [i32(V)]);
  },
  [FUSED_KERNELS.crossEntropyGrad]: (p, b) => {
    const [logits, labels, scale] = ins(p, 'logits', 'labels', 'scale');
    const [N, V] = matrixDims(logits, 'FusedCrossEntropyGrad');
    return launch(b, crossEntropyGradProgram(N, V), [logits, labels, scale], [i32(V)]);
  },
};

/**
 * Registers every fused kernel (these, adamwPrograms.ts's and familyPrograms.ts's) for `backendName` (default webgpu). Call after the
 * backend's package was imported. Safe to call repeatedly.
 */
export function registerFusedKernels(backendName = 'webgpu'): void {
  for (const [kernelName, run] of Object.entries({ ...KERNELS, ...ADAMW_KERNEL_FUNCS, ...FAMILY_KERNEL_FUNCS })) {
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: (params) => run(params, params.backend as unknown as WebGPUBackendLike),
    });
  }
}
