import type { RunConfig } from './runConfig';

/** Where a run stands, saved in every checkpoint so a run resumes exactly where it was. */
export interface RunCursor {
  /** Stage (phase of the arm) being trained, 0-based. */
  stage: number;
  /** Optimizer steps already done in that stage. */
  stepInStage: number;
  /** Rows of the stage's data order already consumed (`stepInStage × batchSize × gradAccumulation`, capped). */
  position: number;
  /** Optimizer steps already done in the whole run. */
  globalStep: number;
  tokensSeen: number;
  /**
   * The data order's random state: orders are a pure function of (seed, stage, epoch) — see `stageOrder` — so the
   * seed plus `position` is the whole RNG state.
   */
  seed: number;
  /** The config the run was started with; a resume checks it matches. */
  config: RunConfig;
}
