/** Exponential moving average, debiased like TensorBoard's so the start of the curve is not pulled to zero. */
export function ema(values: readonly number[], smoothing: number): number[] {
  const out: number[] = [];
  let last = 0;
  let weight = 0;
  for (const v of values) {
    last = last * smoothing + (1 - smoothing) * v;
    weight = weight * smoothing + (1 - smoothing);
    out.push(weight > 0 ? last / weight : v);
  }
  return out;
}
