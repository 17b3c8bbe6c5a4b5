import { describe, expect, it } from 'vitest';
import { compareBuckets, groupByBucket } from './buckets';

describe('groupByBucket', () => {
  it('orders buckets numerically and keeps items in input order', () => {
    const items = [
      { id: 'a', b: '10' },
      { id: 'b', b: '2' },
      { id: 'c', b: '1' },
      { id: 'd', b: '2' },
      { id: 'e', b: 'x' },
    ];
    const groups = groupByBucket(items, (i) => i.b);
    expect(groups.map((g) => [g.bucket, g.items.map((i) => i.id)])).toEqual([
      ['1', ['c']],
      ['2', ['b', 'd']],
      ['10', ['a']],
      ['x', ['e']],
    ]);
  });

  it('is empty for no items', () => {
    expect(groupByBucket([], () => '1')).toEqual([]);
    expect(['10', '9', '1'].sort(compareBuckets)).toEqual(['1', '9', '10']);
  });
});
