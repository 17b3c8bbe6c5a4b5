import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../core/runs/run';
import { lossRows, phaseBands, xOf } from './lossChartData';

const point = (step: number, phase: number, trainMs?: number): LossPoint => ({
  step,
  tokens: step * 100,
  loss: 3 - step * 0.1,
  lr: 1e-3 / step,
  phase,
  trainMs,
});

describe('lossRows', () => {
  it('places each point on the chosen axis, keeping its own LR', () => {
    const points = [point(1, 0, 50), point(2, 0, 100), point(3, 1, 150)];
    expect(lossRows(points, 'tokens', 0).map((r) => r.x)).toEqual([100, 200, 300]);
    expect(lossRows(points, 'steps', 0).map((r) => r.x)).toEqual([1, 2, 3]);
    expect(lossRows(points, 'time', 0).map((r) => r.x)).toEqual([50, 100, 150]);
    expect(lossRows(points, 'steps', 0).map((r) => r.lr)).toEqual([1e-3, 1e-3 / 2, 1e-3 / 3]);
    expect(lossRows(points, 'steps', 0).map((r) => r.smoothed)).toEqual(points.map((p) => p.loss));
  });

  it('leaves out points an axis cannot place (time on an older run) and strides long runs to their last points', () => {
    expect(lossRows([point(1, 0), point(2, 0, 100)], 'time', 0).map((r) => r.step)).toEqual([2]);
    expect(xOf(point(1, 0), 'time')).toBeUndefined();
    const many = Array.from({ length: 10 }, (_, i) => point(i + 1, 0, i));
    expect(lossRows(many, 'steps', 0, 4).map((r) => r.step)).toEqual([3, 6, 9, 10]);
  });
});

describe('phaseBands', () => {
  const phases = [
    { phase: 0, label: 'Phase 1', sourcePhases: [1] },
    { phase: 1, label: 'Phase 2', sourcePhases: [2] },
    { phase: 2, label: 'Phase 3', sourcePhases: [3] },
  ];

  it('shows the first phase from its first point: one point gives a band from the axis start to it', () => {
    expect(phaseBands([{ x: 400, phase: 0 }], phases)).toEqual([
      { phase: 0, label: 'Phase 1', sourcePhases: [1], x1: 0, x2: 400 },
    ]);
  });

  it('makes bands meet, each from the previous one’s end to its last point; a stage with no points yet has none', () => {
    const rows = [
      { x: 1, phase: 0 },
      { x: 2, phase: 0 },
      { x: 3, phase: 1 },
      { x: 5, phase: 1 },
    ];
    expect(phaseBands(rows, phases).map((b) => [b.label, b.x1, b.x2])).toEqual([
      ['Phase 1', 0, 2],
      ['Phase 2', 2, 5],
    ]);
  });
});
