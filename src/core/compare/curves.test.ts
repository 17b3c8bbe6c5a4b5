import { describe, expect, it } from 'vitest';
import { commonGrid, interpolate } from './curves';

describe('interpolate', () => {
  const curve = { x: [0, 10, 20], y: [4, 2, 1] };
  it('is exact at the knots and linear between them', () => {
    expect(interpolate(curve, 0)).toBe(4);
    expect(interpolate(curve, 10)).toBe(2);
    expect(interpolate(curve, 5)).toBe(3);
    expect(interpolate(curve, 15)).toBe(1.5);
    expect(interpolate(curve, 20)).toBe(1);
  });
  it('never extrapolates', () => {
    expect(interpolate(curve, -1)).toBeUndefined();
    expect(interpolate(curve, 21)).toBeUndefined();
    expect(interpolate({ x: [], y: [] }, 0)).toBeUndefined();
  });
});

describe('commonGrid', () => {
  it('spans only the tokens every curve has seen', () => {
    const grid = commonGrid(
      [
        { x: [100, 200, 900], y: [1, 1, 1] },
        { x: [0, 500], y: [1, 1] },
      ],
      5,
    );
    expect(grid).toEqual([100, 200, 300, 400, 500]);
  });
  it('is empty when the curves do not overlap', () => {
    expect(
      commonGrid(
        [
          { x: [0, 10], y: [1, 1] },
          { x: [20, 30], y: [1, 1] },
        ],
        3,
      ),
    ).toEqual([]);
  });
});
