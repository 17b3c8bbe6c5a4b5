import { describe, expect, it } from 'vitest';
import { configDiff, flatten } from './configDiff';

describe('flatten', () => {
  it('turns nested objects into dotted paths and arrays into one value', () => {
    expect(flatten({ arm: { kind: 'custom', order: [2, 1, 3] }, hyper: { lr: 0.002 }, seed: 1 })).toEqual({
      'arm.kind': 'custom',
      'arm.order': '2, 1, 3',
      'hyper.lr': '0.002',
      seed: '1',
    });
  });
});

describe('configDiff', () => {
  it('lists only the paths that differ, with each config’s value', () => {
    const a = { arm: { kind: 'one-off' }, hyper: { lr: 0.002, batchSize: 16 }, seed: 1 };
    const b = { arm: { kind: 'easy-to-hard' }, hyper: { lr: 0.002, batchSize: 16 }, seed: 2 };
    expect(configDiff([a, b])).toEqual([
      { path: 'arm.kind', values: ['one-off', 'easy-to-hard'] },
      { path: 'seed', values: ['1', '2'] },
    ]);
  });

  it('marks a path missing from one config', () => {
    expect(configDiff([{ arm: { kind: 'custom', order: [1, 2] } }, { arm: { kind: 'one-off' } }])).toEqual([
      { path: 'arm.kind', values: ['custom', 'one-off'] },
      { path: 'arm.order', values: ['1, 2', '—'] },
    ]);
  });

  it('finds nothing between identical configs', () => {
    expect(configDiff([{ a: 1 }, { a: 1 }, { a: 1 }])).toEqual([]);
  });
});
