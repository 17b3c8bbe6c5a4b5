import { describe, expect, it } from 'vitest';
import { exportPhasePlan } from './export';
import { planByCutoffs } from './plan';
import { makeRecords } from './testing/records';
import { planWarnings } from './warnings';

describe('planWarnings', () => {
  it('is silent for a plan that can show a curriculum', () => {
    const records = makeRecords(30);
    const scores = records.map((_, i) => 1 + (i % 3) * 1.5);
    expect(planWarnings(planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field' }))).toEqual([]);
  });

  it('says when a phase holds nearly everything and another is empty (the heuristic on real Alpaca: 2 / 997 / 0)', () => {
    const records = makeRecords(999);
    const scores = records.map((_, i) => (i < 2 ? 1 : 2.5));
    const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'heuristic' });
    expect(planWarnings(plan)).toEqual([
      'Phase 3 is empty: an arm trains nothing there, and its export is left out. Move the cut-offs, or use equal-size (quantile) phases.',
      'Phase 2 holds 99.8 % of the scored records: phased training would barely differ from one-off. Equal-size (quantile) phases or another scorer separate the data better.',
      'Phase 1 has 1 training record: a step or two per epoch, too few to teach the model anything a later phase would not wash out. Move the cut-offs so it holds more, or use fewer phases.',
    ]);
    const names = exportPhasePlan(plan, records, scores, { baseName: 'alpaca' }).map((f) => f.fileName);
    expect(names).toEqual([
      'alpaca.phase-1.jsonl',
      'alpaca.phase-2.jsonl',
      'alpaca.held-out.jsonl',
      'alpaca.phase-plan.json',
    ]);
  });

  it('says when nothing is held out, and leaves out the empty held-out file', () => {
    const records = makeRecords(20);
    const scores = records.map((_, i) => 1 + (i % 3) * 1.5);
    const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0 } });
    expect(planWarnings(plan)).toEqual([
      'No record is held out, so arms cannot be compared on held-out loss. Raise the held-out share above 0.',
    ]);
    expect(exportPhasePlan(plan, records, scores).map((f) => f.fileName)).not.toContain('dataset.held-out.jsonl');
  });
});
