import { describe, expect, it } from 'vitest';
import { defaultCutoffs, PAPER_CUTOFFS } from './defaultCutoffs';
import { planByCutoffs } from './plan';
import { makeRecords } from './testing/records';

describe('defaultCutoffs', () => {
  const records = makeRecords(999);
  // the heuristic on LLaMA-Factory's Alpaca demo: 2 / 997 / 0 at the paper's cut-offs
  const squeezed = records.map((_, i) => (i < 2 ? 1.2 : 2 + (i % 100) / 100));

  it("keeps the paper's cut-offs for scores on its scale, whatever phases they make", () => {
    expect(defaultCutoffs(records, squeezed, 'field')).toEqual({ mode: 'cutoffs', cutoffs: [...PAPER_CUTOFFS] });
  });

  it("starts another scorer's degenerate plan with equal-size phases, saying what the paper's cut-offs gave", () => {
    const start = defaultCutoffs(records, squeezed, 'heuristic');
    expect(start.mode).toBe('quantiles');
    if (start.mode !== 'quantiles') return;
    expect(start.phaseCount).toBe(3);
    expect(start.reason).toContain('would make phases of 2 / 997 / 0 records');
    const sizes = planByCutoffs(records, squeezed, start.cutoffs, { scorerId: 'heuristic' }).phases.map(
      (p) => p.recordIds.length + p.heldOutIds.length,
    );
    expect(Math.min(...sizes)).toBeGreaterThan(250);
  });

  it("keeps the paper's cut-offs for another scorer when they already give a curriculum", () => {
    const spread = records.map((_, i) => 1 + (i % 5));
    expect(defaultCutoffs(records, spread, 'heuristic').mode).toBe('cutoffs');
  });
});
