/**
 * The WGSL of the fused AdamW step (ops/fusedAdamW.ts calls it; optimizer.ts's update says what the arithmetic
 * is). The stock step spends ~360 kernels per step at the reference config on reshapes, slices and scalar ops; these
 * do it in one dispatch per group's moment and one per parameter:
 *   FusedFlatten        tensors of any shape → one flat vector (a group's gradient)
 *   FusedSumSquares     flat vectors → [1], Σ x² (or Σ x with `square` 0, to sum partial sums)
 *   FusedAdamWScalars   Σ g², loss, halted → [norm, ok, clip scale, halted after this step]
 *   FusedAdamWMoment    g, m (or v), scalars → β·m + (1 − β)·g' (g' = clipped g, or its square), or m where not ok
 *   FusedAdamWParam     p, m, v, scalars → p − lr·m̂/(√v̂ + ε) − lr·wd·p, or p where not ok
 * A program binds at most 8 storage buffers (the WebGPU default; one is the output), so FusedFlatten and
 * FusedSumSquares take up to 7 inputs per dispatch and the kernel functions chunk longer lists into a tree.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNELS, ADAMW_SCALAR as SCALAR } from '../fusedKernelNames';
import { WEBGPU_DEFAULT_STORAGE_BUFFERS } from './addN';
import {
  f32,
  i32,
  ins,
  launch,
  program,
  type FusedProgram,
  type KernelParams,
  type WebGPUBackendLike,
} from './fusedProgram';

const MAX_INPUTS = WEBGPU_DEFAULT_STORAGE_BUFFERS - 1;
const names = (k: number) => Array.from({ length: k }, (_, i) => `x${i}`);

// Input j covers the output's [end_{j−1}, end_j); the last one runs to the end.
function flattenProgram(k: number, size: number): FusedProgram {
  let body = `result[i] = x${k - 1}[i${k > 1 ? ` - uniforms.end${k - 2}` : ''}];`;
  for (let j = k - 2; j >= 0; j--)
    body = `if (i < uniforms.end${j}) { result[i] = x${j}[i${j > 0 ? ` - uniforms.end${j - 1}` : ''}]; } else { ${body} }`;
  const ends = names(k - 1)
    .map((_, j) => `end${j} : i32,`)
    .join(' ');
  return program(
    `fusedFlatten${k}`,
    names(k),
    [size],
    `
    for (var i = index; i < uniforms.count; i = i + stride) { ${body} }`,
    { uniforms: `${ends} count : i32,` },
  );
}

// One workgroup of 64 threads: a strided sum over each input, then the shared-memory tree.
function sumSquaresProgram(k: number, square: boolean): FusedProgram {
  const loops = names(k)
    .map(
      (x, j) =>
        `for (var i = tid; i < uniforms.n${j}; i = i + LANES) { let v = ${x}[i]; s = s + ${square ? 'v * v' : 'v'}; }`,
    )
    .join('\n    ');
  return program(
    `fusedSumSquares${k}_${square ? 1 : 0}`,
    names(k),
    [1],
    `
    var s = 0.0;
    ${loops}
    let total = rowSum(s, tid);
    if (tid == 0) { result[0] = total; }`,
    {
      rows: 1,
      cols: 1 << 20,
      uniforms: names(k)
        .map((_, j) => `n${j} : i32,`)
        .join(' '),
    },
  );
}

// Finite by the bits (exponent not all ones), not by comparisons a compiler may fold away.
const IS_FINITE = `fn isFiniteValue(v : f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }`;

function scalarsProgram(): FusedProgram {
  const prog = program(
    'fusedAdamWScalars',
    ['sumSquares', 'loss', 'halted'],
    [4],
    `
    if (index == 0) {
      let norm = sqrt(sumSquares[0]);
      var finite = 1.0;
      if (uniforms.guard == 1 && (!isFiniteValue(norm) || (uniforms.hasLoss == 1 && !isFiniteValue(loss[0])))) { finite = 0.0; }
      var ok = 1.0 - f32(uniforms.dryRun);
      var h = halted[0];
      if (uniforms.guard == 1) {
        ok = ok * finite * (1.0 - h);
        if (uniforms.dryRun == 0) { h = max(h, 1.0 - finite); }
      }
      var scale = 1.0;
      if (uniforms.clipNorm > 0.0) { scale = uniforms.clipNorm / max(norm, uniforms.clipNorm); }
      result[${SCALAR.norm}] = norm;
      result[${SCALAR.ok}] = ok;
      result[${SCALAR.scale}] = scale;
      result[${SCALAR.halted}] = h;
    }`,
    { uniforms: 'clipNorm : f32, guard : i32, hasLoss : i32, dryRun : i32,' },
  );
  const user = prog.getUserCode;
  return { ...prog, getUserCode: () => `${IS_FINITE}\n${user()}` };
}

function momentProgram(size: number, square: boolean): FusedProgram {
  return program(
    `fusedAdamWMoment${square ? 2 : 1}`,
    ['g', 'm', 'scalars'],
    [size],
    `
    let ok = scalars[${SCALAR.ok}];
    let scale = scalars[${SCALAR.scale}];
    for (var i = index; i < uniforms.count; i = i + stride) {
      if (ok == 0.0) { result[i] = m[i]; } else {
        let gs = g[i] * scale;
        result[i] = m[i] + uniforms.oneMinusBeta * (${square ? 'gs * gs' : 'gs'} - m[i]);
      }
    }`,
    { uniforms: 'count : i32, oneMinusBeta : f32,' },
  );
}

// p reads its slice of the group's flat moments at `offset`; `lrWd` is lr·wd, or 0 for a parameter without decay.
function paramProgram(shape: number[]): FusedProgram {
  return program(
    'fusedAdamWParam',
    ['p', 'm', 'v', 'scalars'],
    shape,
    `
    let ok = scalars[${SCALAR.ok}];
    for (var i = index; i < uniforms.count; i = i + stride) {
      let pv = p[i];
      if (ok == 0.0) { result[i] = pv; } else {
        let j = uniforms.offset + i;
        let denom = sqrt(v[j] / uniforms.bc2) + uniforms.eps;
        let delta = (m[j] / uniforms.bc1) / denom * uniforms.lr;
        result[i] = (pv - delta) - pv * uniforms.lrWd;
      }
    }`,
    { uniforms: 'count : i32, offset : i32, lr : f32, bc1 : f32, bc2 : f32, eps : f32, lrWd : f32,' },
  );
}

const size = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);

/** Runs `one` on chunks of at most MAX_INPUTS inputs and `combine` on the chunks' results, freeing those. */
function chunked(
  b: WebGPUBackendLike,
  inputs: tf.TensorInfo[],
  one: (xs: tf.TensorInfo[]) => tf.TensorInfo,
  combine: (xs: tf.TensorInfo[]) => tf.TensorInfo,
): tf.TensorInfo {
  if (inputs.length <= MAX_INPUTS) return one(inputs);
  const parts: tf.TensorInfo[] = [];
  for (let i = 0; i < inputs.length; i += MAX_INPUTS) parts.push(one(inputs.slice(i, i + MAX_INPUTS)));
  const out = chunked(b, parts, combine, combine);
  // The backend defers freeing a buffer that queued GPU work still reads.
  for (const p of parts) b.disposeData(p.dataId);
  return out;
}

function flatten(b: WebGPUBackendLike, xs: tf.TensorInfo[]): tf.TensorInfo {
  const ends: number[] = [];
  let total = 0;
  for (const x of xs) ends.push((total += size(x)));
  return launch(b, flattenProgram(xs.length, total), xs, [...ends.slice(0, -1).map(i32), i32(total)]);
}

function sumSquares(b: WebGPUBackendLike, xs: tf.TensorInfo[], square: boolean): tf.TensorInfo {
  return launch(
    b,
    sumSquaresProgram(xs.length, square),
    xs,
    xs.map((x) => i32(size(x))),
  );
}

const inputList = (p: KernelParams) => p.inputs as unknown as tf.TensorInfo[];
const attr = (p: KernelParams, name: string) => p.attrs![name] as number;

export const ADAMW_KERNEL_FUNCS: Record<string, (p: KernelParams, backend: WebGPUBackendLike) => tf.TensorInfo> = {
  [ADAMW_KERNELS.flatten]: (p, b) =>
    chunked(
      b,
      inputList(p),
      (xs) => flatten(b, xs),
      (xs) => flatten(b, xs),
    ),
  [ADAMW_KERNELS.sumSquares]: (p, b) =>
    chunked(
      b,
      inputList(p),
      (xs) => sumSquares(b, xs, true),
      (xs) => sumSquares(b, xs, false),
    ),
  [ADAMW_KERNELS.scalars]: (p, b) => {
    const [sq, loss, halted] = ins(p, 'sumSquares', 'loss', 'halted');
    return launch(
      b,
      scalarsProgram(),
      [sq, loss, halted],
      [f32(attr(p, 'clipNorm')), i32(attr(p, 'guard')), i32(attr(p, 'hasLoss')), i32(attr(p, 'dryRun'))],
    );
  },
  [ADAMW_KERNELS.moment]: (p, b) => {
    const [g, m, scalars] = ins(p, 'g', 'm', 'scalars');
    return launch(
      b,
      momentProgram(size(m), attr(p, 'square') === 1),
      [g, m, scalars],
      [i32(size(m)), f32(attr(p, 'oneMinusBeta'))],
    );
  },
  [ADAMW_KERNELS.param]: (p, b) => {
    const [param, m, v, scalars] = ins(p, 'p', 'm', 'v', 'scalars');
    const u = ['lr', 'bc1', 'bc2', 'eps', 'lrWd'].map((n) => f32(attr(p, n)));
    return launch(
      b,
      paramProgram(param.shape),
      [param, m, v, scalars],
      [i32(size(param)), i32(attr(p, 'offset')), ...u],
    );
  },
};
