/**
 * Gradient accumulation weighted by tokens, as `transformers` ≥ 4.46 does it (`num_items_in_batch`): the loss of
 * an optimizer step is the sum of the masked token losses over ALL its micro-batches divided by their total
 * masked tokens, so B rows × k micro-batches equal one batch of B·k rows whatever the rows' response lengths.
 *
 * Each micro-batch's loss is a mean over its own m_i masked tokens, and `GradAccumulator` averages the k
 * micro-batches; scaling micro-batch i by w_i = k·m_i / M (M = Σ m_i) turns that mean of means into
 * Σ m_i·loss_i / M. Gradients are linear in the loss, so they follow. With no masked token at all (M = 0) every
 * weight is 1: the step's loss and gradients are 0 either way.
 */
export function accumulationWeights(maskedTokens: readonly number[]): number[] {
  const total = maskedTokens.reduce((a, b) => a + b, 0);
  if (total === 0) return maskedTokens.map(() => 1);
  return maskedTokens.map((m) => (maskedTokens.length * m) / total);
}
