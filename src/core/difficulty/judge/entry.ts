/**
 * The judge's line in the scorer list. It is listed (so the UI knows its name and description) but never
 * "available" for the automatic pass that scores every dataset on load: it sends data to an endpoint the user must
 * first choose, and it costs time and money. The UI starts it explicitly with `createJudgeScorer(settings)` or
 * `runJudge(records, settings, options)`.
 */
import type { OnDemandScorer } from '../scorer';
import { JUDGE_SCORER_DESCRIPTION, JUDGE_SCORER_ID, JUDGE_SCORER_NAME } from './judgeScorer';

export const JUDGE_ON_DEMAND_NOTE =
  'Runs on demand: choose an endpoint (base URL, model, optional key) and start it; the records are sent to that endpoint only.';

export const JUDGE_ON_DEMAND_SCORER: OnDemandScorer = {
  id: JUDGE_SCORER_ID,
  name: JUDGE_SCORER_NAME,
  description: JUDGE_SCORER_DESCRIPTION,
  note: JUDGE_ON_DEMAND_NOTE,
  howTo: 'it needs an endpoint: create it with createJudgeScorer(settings) from core/difficulty/judge/judgeScorer.',
};
