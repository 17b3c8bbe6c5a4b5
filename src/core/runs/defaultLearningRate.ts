/**
 * The peak learning rate a run starts with, by where its weights start. The paper's 5e-6 (`PAPER_HYPER`) suits 7B
 * full fine-tuning; the studio's GPTs are small, so a model trained from random initialisation takes 2e-3 and one
 * fine-tuned from pretrained weights (the shipped base model, an imported Hugging Face model) half that, 1e-3.
 */
export const FROM_SCRATCH_LR = 2e-3;
export const FINE_TUNING_LR = 1e-3;

/** `model`: the pretrained weights a run starts from (a `ModelRef`), or undefined for random initialisation. */
export function defaultLearningRate(model: { readonly kind: 'base' | 'hf' } | undefined): number {
  return model === undefined ? FROM_SCRATCH_LR : FINE_TUNING_LR;
}
