/**
 * The names of the fused kernels: the contract between the ops (src/core/ops/, which call a kernel by its name and
 * register its gradient) and each backend that implements them (kernels/webgpu/fusedPrograms.ts, adamwPrograms.ts
 * and familyPrograms.ts register every one for webgpu). A backend registers all of an op's kernels or none; an op whose
 * kernels are not all registered for the current backend runs its composite path (ops/dispatch.ts).
 */
export const FUSED_KERNELS = {
  layerNorm: 'FusedLayerNorm',
  layerNormStats: 'FusedLayerNormStats',
  layerNormGradX: 'FusedLayerNormGradX',
  layerNormGradParams: 'FusedLayerNormGradParams',
  gelu: 'FusedGelu',
  geluGrad: 'FusedGeluGrad',
  biasGelu: 'FusedBiasGelu',
  biasGeluGrad: 'FusedBiasGeluGrad',
  columnSum: 'FusedColumnSum',
  linear: 'FusedLinear',
  residualAdd: 'FusedResidualAdd',
  causalSoftmax: 'FusedCausalSoftmax',
  softmaxGrad: 'FusedSoftmaxGrad',
  crossEntropyRows: 'FusedCrossEntropyRows',
  crossEntropyGrad: 'FusedCrossEntropyGrad',
  rmsNorm: 'FusedRmsNorm',
  rmsNormGradX: 'FusedRmsNormGradX',
  rmsNormGradWeight: 'FusedRmsNormGradWeight',
  rope: 'FusedRope',
  swiglu: 'FusedSwiglu',
  swigluGrad: 'FusedSwigluGrad',
} as const;

export const ADAMW_KERNELS = {
  flatten: 'FusedFlatten',
  sumSquares: 'FusedSumSquares',
  scalars: 'FusedAdamWScalars',
  moment: 'FusedAdamWMoment',
  param: 'FusedAdamWParam',
} as const;

/** Indices into FusedAdamWScalars' output. */
export const ADAMW_SCALAR = { norm: 0, ok: 1, scale: 2, halted: 3 } as const;
