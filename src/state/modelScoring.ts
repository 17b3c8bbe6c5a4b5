/**
 * The words and small rules of the model-based scorers' panel (IFD, response loss), apart from React so they can
 * be tested.
 */
import { IFD_SCORER_NAME, RESPONSE_LOSS_SCORER_NAME, type ModelScorerId } from '../core/difficulty/ifdEntry';
import type { ScoreSet } from '../core/data/scoreSet';

/** Why the panel refuses to run without a pretrained model. */
export const PRETRAINED_MODEL_NEEDED =
  'IFD and response loss need a pretrained model, and none is available: the demo base model is not on this server (it is made by `npm run make:base`), and no checkpoint file was chosen. ' +
  'A randomly initialised model would give meaningless numbers: it knows no language, so the response is about as unlikely with the instruction as without it — IFD ≈ 1 for every record and the ranking is noise. The studio will not run it.';

export const MODEL_SCORER_NAMES: Record<ModelScorerId, string> = {
  ifd: IFD_SCORER_NAME,
  'response-loss': RESPONSE_LOSS_SCORER_NAME,
};

/**
 * Whether a fetch of the model file found the file: a dev or preview server answers a missing file with the app's
 * index.html (status 200, text/html), which is not a model.
 */
export function isModelFile(ok: boolean, contentType: string | null): boolean {
  return ok && !(contentType ?? '').toLowerCase().includes('text/html');
}

/** A finished worker run as the dataset's score set. */
export function modelScoreSet(scorer: ModelScorerId, scores: Float64Array, problems: ScoreSet['problems']): ScoreSet {
  return { scorerId: scorer, scores, problems };
}
