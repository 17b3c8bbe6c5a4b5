/** One scorer's scores for a dataset, record by record (NaN = unscored), with why each failed record failed. */
export interface ScoreSet {
  scorerId: string;
  scores: Float64Array;
  problems: { index: number; id: string; message: string }[];
}
