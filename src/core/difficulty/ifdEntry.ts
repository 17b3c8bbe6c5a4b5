/**
 * What the registry and the UI need to know about the model-based scorers (IFD and response loss), without
 * importing tfjs: the page lists scorers long before a model is loaded. The scorers themselves are in `ifd.ts`.
 *
 * Both are listed but never "available" for the automatic pass that scores every dataset on load: they need a
 * loaded model and run on the GPU, so the UI (in the training worker, which holds the model) starts them
 * explicitly with `createIfdScorer(model)` / `createResponseLossScorer(model)`.
 */
import type { OnDemandScorer } from './scorer';

export const IFD_SCORER_ID = 'ifd';
export const RESPONSE_LOSS_SCORER_ID = 'response-loss';
/** The model-based scorers the scoring worker runs. */
export type ModelScorerId = typeof IFD_SCORER_ID | typeof RESPONSE_LOSS_SCORER_ID;

/**
 * How raw values become the 1–5 scale, shown in the UI next to the scores. Rank-based: the scale carries the order
 * of the records, not the size of the raw numbers, because the raw range depends on the model (an untrained model
 * gives IFD ≈ 1 for everything, a trained one spreads them below 1) and cut-offs on raw values would not carry
 * from one model to another.
 */
export const MODEL_SCORE_MAPPING =
  'score = 1 + 4 × (rank − 1) / (n − 1), where rank is the record’s rank (1 = lowest raw value, ties share their average rank) among the n records the model could score. ' +
  'So the easiest record gets 1, the hardest 5, the median 3, and a cut-off at c puts about (c − 1) / 4 of the records below it. ' +
  'The scale is relative to this dataset: the same record can score differently in another dataset. A single scored record gets 3.';

export const IFD_SCORER_NAME = 'IFD (instruction-following difficulty)';
export const IFD_SCORER_DESCRIPTION =
  'From the loaded model: the response’s loss with the instruction divided by its loss without it (Li et al., 2024). Near or above 1 = the instruction hardly helps = hard. Ranked onto 1–5; as good as the model is at the task’s language.';

export const RESPONSE_LOSS_SCORER_NAME = 'Response loss (perplexity)';
export const RESPONSE_LOSS_SCORER_DESCRIPTION =
  'From the loaded model: the mean loss of the response given the instruction; a higher loss = harder for this model. Ranked onto 1–5. Simpler than IFD, but it also rates responses that are merely unusual text as hard.';

export const MODEL_ON_DEMAND_NOTE =
  'Runs on demand on the loaded model (in the training worker, on the GPU); not run automatically when a file is loaded.';

export const IFD_ON_DEMAND_SCORER: OnDemandScorer = {
  id: IFD_SCORER_ID,
  name: IFD_SCORER_NAME,
  description: IFD_SCORER_DESCRIPTION,
  note: MODEL_ON_DEMAND_NOTE,
  howTo: 'it needs a loaded model: create it with createIfdScorer(model) from core/difficulty/ifd.',
};

export const RESPONSE_LOSS_ON_DEMAND_SCORER: OnDemandScorer = {
  id: RESPONSE_LOSS_SCORER_ID,
  name: RESPONSE_LOSS_SCORER_NAME,
  description: RESPONSE_LOSS_SCORER_DESCRIPTION,
  note: MODEL_ON_DEMAND_NOTE,
  howTo: 'it needs a loaded model: create it with createResponseLossScorer(model) from core/difficulty/ifd.',
};
