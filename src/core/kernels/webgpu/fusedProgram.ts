/**
 * The program interface the fused kernels share (fusedPrograms.ts, adamwPrograms.ts): a WebGPUProgram for tfjs's
 * webgpu backend that runs either one row per thread or per 64-thread workgroup (row kernels, looping over rows past
 * the 65 535 workgroups of one dispatch), or a grid-stride loop over every element; and how a kernel function
 * launches it with its uniforms. Importing this file pulls in no backend: the programs are plain objects tfjs compiles.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export const WG = 64;
let maxGroups = 65535;

/** Caps the workgroups of one dispatch (WebGPU's per-dimension maximum by default), so tests reach the row loop. */
export function capFusedWorkgroups(n = 65535): void {
  maxGroups = n;
}

export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId): unknown;
}

/**
 * Threads per row: 64 sharing a row through workgroup memory for long rows; for short ones (< 512 columns) one thread
 * per row, with no barriers — a barrier is costly on a CPU implementation such as SwiftShader, and a short row gives
 * 64 threads too little to share.
 */
export function lanesFor(cols: number): 1 | typeof WG {
  return cols >= 512 ? WG : 1;
}

/** The row reductions: a shared-memory tree over the row's threads (all must call it: it has barriers), or nothing. */
export function rowHelpers(lanes: number): string {
  const tanh = `
  fn safeTanh(u : f32) -> f32 {
    let e = exp(-2.0 * abs(u));
    return sign(u) * (1.0 - e) / (1.0 + e);
  }
  const LANES = ${lanes};`;
  if (lanes === 1)
    return `${tanh}\n  fn rowSum(v : f32, tid : i32) -> f32 { return v; }\n  fn rowMax(v : f32, tid : i32) -> f32 { return v; }`;
  return `${tanh}
  var<workgroup> partial : array<f32, ${WG}>;
  var<workgroup> partialMax : array<f32, ${WG}>;
  var<workgroup> rowShared : i32;
  fn rowSum(v : f32, tid : i32) -> f32 {
    partial[tid] = v;
    workgroupBarrier();
    for (var s = ${WG / 2}; s > 0; s = s >> 1u) {
      if (tid < s) { partial[tid] = partial[tid] + partial[tid + s]; }
      workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
  }
  fn rowMax(v : f32, tid : i32) -> f32 {
    partialMax[tid] = v;
    workgroupBarrier();
    for (var s = ${WG / 2}; s > 0; s = s >> 1u) {
      if (tid < s) { partialMax[tid] = max(partialMax[tid], partialMax[tid + s]); }
      workgroupBarrier();
    }
    let m = partialMax[0];
    workgroupBarrier();
    return m;
  }`;
}

/** A WebGPUProgram plus, for a row kernel, how many rows it loops over (an extra uniform, appended by `launch`). */
export type FusedProgram = WebGPUProgram & { rowCount?: number; rowPasses?: number };

/**
 * A program over `outputShape`: a row kernel (`rows` set) runs one 64-thread workgroup per row, looping when there are
 * more rows than one dispatch may hold; an elementwise kernel runs a grid-stride loop over every element.
 */
export function program(
  key: string,
  variableNames: string[],
  outputShape: number[],
  body: string,
  opts: { rows?: number; cols?: number; uniforms?: string },
): FusedProgram {
  const size = tf.util.sizeFromShape(outputShape);
  const rows = opts.rows;
  const lanes = rows === undefined ? 1 : lanesFor(opts.cols ?? 0);
  const groups = Math.max(
    1,
    Math.min(maxGroups, rows === undefined ? Math.ceil(size / WG) : lanes === 1 ? Math.ceil(rows / WG) : rows),
  );
  let code = body;
  if (rows !== undefined && lanes === 1) {
    code = `for (var row = index; row < uniforms.rowCount; row = row + stride) {\n${body}\n }`;
  } else if (rows !== undefined) {
    // workgroupUniformLoad makes the row provably uniform, so the reductions' barriers may follow it.
    code = `for (var sweep = 0; sweep < uniforms.rowPasses; sweep = sweep + 1) {
      if (tid == 0) { rowShared = i32(workgroupId.x) + sweep * i32(numWorkgroups.x); }
      let row = workgroupUniformLoad(&rowShared);
      if (row < uniforms.rowCount) {\n${body}\n }
      workgroupBarrier();
    }`;
  }
  return {
    variableNames,
    outputShape,
    shaderKey: `${key}_lanes${lanes}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [groups, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: rows === undefined ? opts.uniforms : `${opts.uniforms ?? ''} rowCount : i32, rowPasses : i32,`,
    rowCount: rows,
    rowPasses: rows === undefined ? undefined : Math.ceil(rows / (lanes === 1 ? groups * WG : groups)),
    getUserCode: () =>
      `${rowHelpers(lanes)}\n fn main(index : i32) {\n let tid = ${lanes === 1 ? '0' : 'i32(localId.x)'};\n let stride = i32(numWorkgroups.x) * ${WG};\n ${code}\n }`,
  };
}

export type KernelParams = Parameters<tf.KernelConfig['kernelFunc']>[0];

export function launch(
  b: WebGPUBackendLike,
  prog: FusedProgram,
  inputs: tf.TensorInfo[],
  uniforms: { type: string; data: number[] }[],
): tf.TensorInfo {
  return b.runWebGPUProgram(
    prog,
    inputs,
    'float32',
    prog.rowCount === undefined ? uniforms : [...uniforms, i32(prog.rowCount), i32(prog.rowPasses!)],
  );
}
// One entry per scalar field: tfjs packs an entry of two values as a vec2 (8-byte aligned), not as two i32 fields.
export const i32 = (value: number) => ({ type: 'int32', data: [value] });
export const f32 = (value: number) => ({ type: 'float32', data: [value] });

/** The named inputs, in order, one tensor per name (so `const [x, dy] = ins(p, 'x', 'dy')` needs no checks). */
export function ins<const Names extends readonly string[]>(
  params: KernelParams,
  ...names: Names
): { [I in keyof Names]: tf.TensorInfo } {
  return names.map((n) => {
    const t = (params.inputs as tf.NamedTensorInfoMap)[n];
    if (!t) throw new Error(`fused kernel: input "${n}" missing.`);
    return t;
  }) as { [I in keyof Names]: tf.TensorInfo };
}

/** [rows, cols] of a 2-D input: every row-wise fused kernel works on matrices (its op reshapes before calling). */
export function matrixDims(t: tf.TensorInfo, kernel: string): [number, number] {
  const [rows, cols] = t.shape;
  if (t.shape.length !== 2 || rows === undefined || cols === undefined) {
    throw new Error(
      `${kernel}: expects a 2-D input, got shape [${t.shape.join(', ')}]; reshape to [rows, cols] first.`,
    );
  }
  return [rows, cols];
}

/** The last two dimensions of a shape of rank ≥ 2: [queries, keys] of attention scores. */
export function lastTwoDims(shape: readonly number[], kernel: string): [number, number] {
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  if (rows === undefined || cols === undefined) {
    throw new Error(`${kernel}: expects an input of rank ≥ 2, got shape [${shape.join(', ')}].`);
  }
  return [rows, cols];
}
