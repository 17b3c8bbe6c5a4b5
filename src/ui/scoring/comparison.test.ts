import { describe, expect, it } from 'vitest';
import { defaultPair, sideCutoffs } from './comparison';
import { densityPoints, sameCutoffs } from './suggestions';

describe('scorer comparison choices', () => {
  it('pairs the phases’ scorer with the judge or a model scorer first', () => {
    expect(defaultPair(['heuristic'], 'heuristic')).toBeUndefined();
    expect(defaultPair(['field', 'heuristic', 'judge'], 'field')).toEqual(['field', 'judge']);
    expect(defaultPair(['heuristic', 'ifd', 'judge'], 'judge')).toEqual(['judge', 'ifd']);
    expect(defaultPair(['heuristic', 'custom'], 'gone')).toEqual(['heuristic', 'custom']);
  });

  it('uses the phases’ cut-offs, or balanced ones per side', () => {
    const scores = Float64Array.from({ length: 90 }, (_, i) => 1 + (4 * i) / 89);
    expect(sideCutoffs(scores, 'phases', [1.5, 3.5])).toEqual({ ok: true, cutoffs: [1.5, 3.5] });
    const balanced = sideCutoffs(scores, 'balanced', [1.5, 3.5]);
    expect(balanced.ok).toBe(true);
    if (balanced.ok) expect(balanced.cutoffs).toHaveLength(2);
    const flat = sideCutoffs(new Float64Array(10).fill(3), 'balanced', [1.5, 3.5]);
    expect(flat.ok).toBe(false);
  });
});

describe('cut-off suggestion helpers', () => {
  it('compares cut-offs to the 6th decimal', () => {
    expect(sameCutoffs([1.5, 3.5], [1.5, 3.5000000001])).toBe(true);
    expect(sameCutoffs([1.5], [1.5, 3.5])).toBe(false);
    expect(sameCutoffs([1.5, 3.4], [1.5, 3.5])).toBe(false);
  });

  it('thins a density curve for drawing and keeps both ends', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const pts = densityPoints({ x, y: x, bandwidth: 1 }, 240);
    expect(pts.length).toBeLessThanOrEqual(241);
    expect(pts[0]).toEqual({ x: 0, y: 0 });
    expect(pts[pts.length - 1]).toEqual({ x: 999, y: 999 });
    expect(densityPoints({ x: new Float64Array(), y: new Float64Array(), bandwidth: 1 }, 10)).toEqual([]);
  });
});
