/**
 * The judge's line in the scorer registry. It is listed (so the UI knows its name and description) but never
 * "available" for the automatic pass that scores every dataset on load: it sends data to an endpoint the user must
 * first choose, and it costs time and money. The UI starts it explicitly with `createJudgeScorer(settings)` or
 * `runJudge(records, settings, options)`.
 */
import type { ScorerEntry } from '../registry';
import { JUDGE_SCORER_DESCRIPTION, JUDGE_SCORER_ID, JUDGE_SCORER_NAME } from './judgeScorer';

export const JUDGE_ON_DEMAND_NOTE =
  'Runs on demand: choose an endpoint (base URL, model, optional key) and start it; the records are sent to that endpoint only.';

export const JUDGE_SCORER_ENTRY: ScorerEntry = {
  id: JUDGE_SCORER_ID,
  name: JUDGE_SCORER_NAME,
  description: JUDGE_SCORER_DESCRIPTION,
  availability: () => ({ available: false, note: JUDGE_ON_DEMAND_NOTE }),
  create: () => {
    throw new Error('The LLM judge needs an endpoint: create it with createJudgeScorer(settings) from core/difficulty/judge/judgeScorer.');
  },
};
