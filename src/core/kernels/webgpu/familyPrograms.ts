/**
 * The WGSL of the fused kernels the Llama and Qwen families need (ops/rmsNorm.ts, rope.ts and swiglu.ts call them by
 * the names of kernels/fusedKernelNames.ts and say what each computes; fusedPrograms.ts's `registerFusedKernels`
 * registers them with the others):
 *   FusedRmsNorm            x [N, C], w [C] → x · rstd · w, rstd = 1/√(mean(x²) + eps) per row
 *   FusedRmsNormGradX       x, w, dy → rstd · g − x · rstd³ · mean(g · x), g = dy · w
 *   FusedRmsNormGradWeight  x, dy → Σ over the rows of dy · x · rstd [C]: each row's rstd first, then column sums
 *                           over chunks of rows, then over the chunks
 *   FusedRope               x [B, H, T, D], cos, sin [1 or B, T, D/2] → the rotate_half rotation (or its inverse)
 *   FusedSwiglu / …Grad     silu(gate) · up over [N, F], and its derivative for gate (part 0) or up (part 1)
 * Row kernels share fusedProgram.ts's reductions (one thread per short row, a 64-thread workgroup per long one).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fusedKernelNames';
import {
  f32,
  i32,
  ins,
  launch,
  matrixDims,
  program,
  type FusedProgram,
  type KernelParams,
  type WebGPUBackendLike,
} from './fusedProgram';

// ───────────────────────────── RMSNorm ─────────────────────────────

const RMS_STATS = `
    let C = uniforms.cols;
    let base = row * C;
    var q = 0.0;
    for (var c = tid; c < C; c = c + LANES) { let v = x[base + c]; q = q + v * v; }
    let rstd = 1.0 / sqrt(rowSum(q, tid) / f32(C) + uniforms.eps);`;

function rmsNormProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedRmsNorm',
    ['x', 'weight'],
    [N, C],
    `${RMS_STATS}
    for (var c = tid; c < C; c = c + LANES) { result[base + c] = x[base + c] * rstd * weight[c]; }`,
    { rows: N, cols: C, uniforms: 'cols : i32, eps : f32,' },
  );
}

function rmsNormStatsProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedRmsNormStats',
    ['x'],
    [N],
    `${RMS_STATS}
    if (tid == 0) { result[row] = rstd; }`,
    { rows: N, cols: C, uniforms: 'cols : i32, eps : f32,' },
  );
}

function rmsNormGradXProgram(N: number, C: number): FusedProgram {
  return program(
    'fusedRmsNormGradX',
    ['x', 'weight', 'dy'],
    [N, C],
    `${RMS_STATS}
    var sgx = 0.0;
    for (var c = tid; c < C; c = c + LANES) { sgx = sgx + dy[base + c] * weight[c] * x[base + c]; }
    let k = rstd * rstd * rstd * rowSum(sgx, tid) / f32(C);
    for (var c = tid; c < C; c = c + LANES) {
      result[base + c] = rstd * dy[base + c] * weight[c] - x[base + c] * k;
    }`,
    { rows: N, cols: C, uniforms: 'cols : i32, eps : f32,' },
  );
}

/**
 * Rows per chunk of the weight gradient's column sums: enough chunks that about COLUMN_SUM_THREADS threads share
 * the rows (one thread per column alone leaves a GPU idle when C is a head's 64 channels and the rows are B·H·T),
 * and at least MIN_CHUNK_ROWS rows each, so the second pass stays short.
 */
const COLUMN_SUM_THREADS = 16384;
const MIN_CHUNK_ROWS = 16;

export function weightGradChunkRows(N: number, C: number): number {
  return Math.max(MIN_CHUNK_ROWS, Math.ceil(N / Math.max(1, Math.floor(COLUMN_SUM_THREADS / C))));
}

// Thread (chunk, c) sums dy · x · rstd over the chunk's rows of column c; one chunk writes the [C] result itself.
function rmsNormWeightPartialProgram(chunks: number, C: number): FusedProgram {
  return program(
    'fusedRmsNormWeightPartial',
    ['x', 'rstd', 'dy'],
    chunks === 1 ? [C] : [chunks, C],
    `
    let C = uniforms.cols;
    for (var i = index; i < uniforms.count; i = i + stride) {
      let c = i % C;
      let start = (i / C) * uniforms.chunkRows;
      let stop = min(uniforms.rows, start + uniforms.chunkRows);
      var s = 0.0;
      for (var n = start; n < stop; n = n + 1) { let k = n * C + c; s = s + dy[k] * x[k] * rstd[n]; }
      result[i] = s;
    }`,
    { uniforms: 'count : i32, cols : i32, rows : i32, chunkRows : i32,' },
  );
}

function columnSumProgram(C: number): FusedProgram {
  return program(
    'fusedRmsNormWeightSum',
    ['partial'],
    [C],
    `
    let C = uniforms.cols;
    for (var c = index; c < C; c = c + stride) {
      var s = 0.0;
      for (var n = 0; n < uniforms.rows; n = n + 1) { s = s + partial[n * C + c]; }
      result[c] = s;
    }`,
    { uniforms: 'cols : i32, rows : i32,' },
  );
}

function rmsNormGradWeight(b: WebGPUBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, eps: number): tf.TensorInfo {
  const [N, C] = matrixDims(x, 'FusedRmsNormGradWeight');
  const rstd = launch(b, rmsNormStatsProgram(N, C), [x], [i32(C), f32(eps)]);
  const chunkRows = weightGradChunkRows(N, C);
  const chunks = Math.ceil(N / chunkRows);
  const partial = launch(
    b,
    rmsNormWeightPartialProgram(chunks, C),
    [x, rstd, dy],
    [i32(chunks * C), i32(C), i32(N), i32(chunkRows)],
  );
  b.disposeData(rstd.dataId);
  if (chunks === 1) return partial;
  const dw = launch(b, columnSumProgram(C), [partial], [i32(C), i32(chunks)]);
  b.disposeData(partial.dataId);
  return dw;
}

// ───────────────────────────── RoPE ─────────────────────────────

// Element i of x [B, H, T, D] is channel d of row (b·H + h)·T + t; its pair is d ± D/2, its angle column d mod D/2 of
// table row t (shared tables) or b·T + t (per-row tables). `turn` is +1 for the rotation, −1 for its inverse.
function ropeProgram(shape: number[]): FusedProgram {
  return program(
    'fusedRope',
    ['x', 'cosT', 'sinT'],
    shape,
    `
    let D = uniforms.width;
    let pairs = D / 2;
    for (var i = index; i < uniforms.count; i = i + stride) {
      let d = i % D;
      let row = i / D;
      let t = row % uniforms.seq;
      let tableRow = select(0, row / uniforms.headRows, uniforms.perRow == 1) * uniforms.seq + t;
      let k = tableRow * pairs + d % pairs;
      let c = cosT[k];
      let s = sinT[k] * uniforms.turn;
      if (d < pairs) {
        result[i] = x[i] * c - x[i + pairs] * s;
      } else {
        result[i] = x[i] * c + x[i - pairs] * s;
      }
    }`,
    { uniforms: 'count : i32, width : i32, seq : i32, headRows : i32, perRow : i32, turn : f32,' },
  );
}

/** [H·T, T, D, per-row tables] of x [B, H, T, D] with cos and sin [1 or B, T, D/2]; throws on any other shapes. */
function ropeDims(x: tf.TensorInfo, cos: tf.TensorInfo, sin: tf.TensorInfo): [number, number, number, boolean] {
  const [B, H, T, D] = x.shape;
  const [Bc, Tc, pairs] = cos.shape;
  if (
    x.shape.length !== 4 ||
    cos.shape.length !== 3 ||
    cos.shape.join() !== sin.shape.join() ||
    (Bc !== 1 && Bc !== B) ||
    Tc !== T ||
    pairs === undefined ||
    pairs * 2 !== D
  )
    throw new Error(
      `FusedRope: x [${x.shape}] (B, H, T, D) needs cos and sin [1 or B, T, D/2], got [${cos.shape}] and ` +
        `[${sin.shape}]; call ops/rope.ts, which checks its tables.`,
    );
  return [H! * T!, T!, D!, Bc !== 1];
}

function rope(p: KernelParams, b: WebGPUBackendLike): tf.TensorInfo {
  const [x, cos, sin] = ins(p, 'x', 'cos', 'sin');
  const [headRows, T, D, perRow] = ropeDims(x, cos, sin);
  const turn = p.attrs!.inverse === 1 ? -1 : 1;
  return launch(
    b,
    ropeProgram(x.shape),
    [x, cos, sin],
    [i32(tf.util.sizeFromShape(x.shape)), i32(D), i32(T), i32(headRows), i32(perRow ? 1 : 0), f32(turn)],
  );
}

// ───────────────────────────── SwiGLU ─────────────────────────────

// σ(g) from exp(−|g|), which never overflows.
const SIGMOID = `
      let g = gate[i];
      let e = exp(-abs(g));
      let sg = select(e / (1.0 + e), 1.0 / (1.0 + e), g >= 0.0);`;

function swigluProgram(shape: number[]): FusedProgram {
  return program(
    'fusedSwiglu',
    ['gate', 'up'],
    shape,
    `
    for (var i = index; i < uniforms.count; i = i + stride) {${SIGMOID}
      result[i] = g * sg * up[i];
    }`,
    { uniforms: 'count : i32,' },
  );
}

// dup binds gate and dy alone: WebGPU's automatic layout drops unused bindings, and tfjs would still bind them.
function swigluGradProgram(shape: number[], part: 0 | 1): FusedProgram {
  const term = part === 0 ? 'dy[i] * up[i] * sg * (1.0 + g * (1.0 - sg))' : 'dy[i] * g * sg';
  return program(
    `fusedSwigluGrad${part}`,
    part === 0 ? ['gate', 'up', 'dy'] : ['gate', 'dy'],
    shape,
    `
    for (var i = index; i < uniforms.count; i = i + stride) {${SIGMOID}
      result[i] = ${term};
    }`,
    { uniforms: 'count : i32,' },
  );
}

function sameShape(kernel: string, ...ts: tf.TensorInfo[]): number[] {
  const shape = ts[0]!.shape;
  if (ts.some((t) => t.shape.join() !== shape.join()))
    throw new Error(`${kernel}: inputs must share one shape, got ${ts.map((t) => `[${t.shape}]`).join(', ')}.`);
  return shape;
}

export const FAMILY_KERNEL_FUNCS: Record<string, (p: KernelParams, backend: WebGPUBackendLike) => tf.TensorInfo> = {
  [FUSED_KERNELS.rmsNorm]: (p, b) => {
    const [x, weight] = ins(p, 'x', 'weight');
    const [N, C] = matrixDims(x, 'FusedRmsNorm');
    return launch(b, rmsNormProgram(N, C), [x, weight], [i32(C), f32(p.attrs!.eps as number)]);
  },
  [FUSED_KERNELS.rmsNormGradX]: (p, b) => {
    const [x, weight, dy] = ins(p, 'x', 'weight', 'dy');
    const [N, C] = matrixDims(x, 'FusedRmsNormGradX');
    return launch(b, rmsNormGradXProgram(N, C), [x, weight, dy], [i32(C), f32(p.attrs!.eps as number)]);
  },
  [FUSED_KERNELS.rmsNormGradWeight]: (p, b) => {
    const [x, dy] = ins(p, 'x', 'dy');
    return rmsNormGradWeight(b, x, dy, p.attrs!.eps as number);
  },
  [FUSED_KERNELS.rope]: rope,
  [FUSED_KERNELS.swiglu]: (p, b) => {
    const [gate, up] = ins(p, 'gate', 'up');
    const shape = sameShape('FusedSwiglu', gate, up);
    return launch(b, swigluProgram(shape), [gate, up], [i32(tf.util.sizeFromShape(shape))]);
  },
  [FUSED_KERNELS.swigluGrad]: (p, b) => {
    const [gate, up, dy] = ins(p, 'gate', 'up', 'dy');
    const shape = sameShape('FusedSwigluGrad', gate, up, dy);
    const part = p.attrs!.part as 0 | 1;
    return launch(b, swigluGradProgram(shape, part), part === 0 ? [gate, up, dy] : [gate, dy], [
      i32(tf.util.sizeFromShape(shape)),
    ]);
  },
};
