export interface MetricsInput {
  points: readonly { step: number; tokens: number; loss: number; lr: number; phase: number }[];
  evals: readonly {
    step: number;
    tokens: number;
    phase: number;
    heldOutLoss: number;
    buckets: readonly { bucket: string; loss: number }[];
  }[];
}

const cell = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : String(v));

/**
 * One row per optimizer step: training loss and LR, plus the held-out losses on the steps where an evaluation ran.
 * Wide, so it opens in a spreadsheet as it is; `stage` is the 1-based stage of the arm.
 */
export function metricsToCsv(m: MetricsInput): string {
  const buckets = [...new Set(m.evals.flatMap((e) => e.buckets.map((b) => b.bucket)))].sort();
  const evalAt = new Map(m.evals.map((e) => [e.step, e]));
  const header = [
    'step',
    'tokens',
    'stage',
    'train_loss',
    'lr',
    'heldout_loss',
    ...buckets.map((b) => `heldout_loss_phase_${b}`),
  ];
  const rows = [header.join(',')];
  const steps = new Set(m.points.map((p) => p.step));
  for (const p of m.points) {
    const e = evalAt.get(p.step);
    rows.push(
      [
        p.step,
        p.tokens,
        p.phase + 1,
        cell(p.loss),
        cell(p.lr),
        cell(e?.heldOutLoss),
        ...buckets.map((b) => cell(e?.buckets.find((x) => x.bucket === b)?.loss)),
      ].join(','),
    );
  }
  // Evaluations at steps whose training loss was not logged (e.g. before the first log window) still get a row.
  for (const e of m.evals) {
    if (steps.has(e.step)) continue;
    rows.push(
      [
        e.step,
        e.tokens,
        e.phase + 1,
        '',
        '',
        cell(e.heldOutLoss),
        ...buckets.map((b) => cell(e.buckets.find((x) => x.bucket === b)?.loss)),
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}
