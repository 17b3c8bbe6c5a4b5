import { describe, expect, it } from 'vitest';
import { alternateRounds } from './alternateRounds';

describe('alternateRounds', () => {
  it('measures the variants in turn, round by round, and takes medians of times and of per-round ratios', async () => {
    const calls: string[] = [];
    // A machine that slows down every round: b costs twice a, whatever the load.
    let load = 1;
    const result = await alternateRounds(
      [
        { label: 'a', variant: 10 },
        { label: 'b', variant: 20 },
      ],
      3,
      async (ms) => {
        calls.push(String(ms));
        return { msPerStep: ms * load, detail: { load } };
      },
      () => {
        load *= 3;
      },
    );
    expect(calls).toEqual(['10', '20', '10', '20', '10', '20']);
    expect(result.variants.map((v) => v.runMsPerStep)).toEqual([
      [10, 30, 90],
      [20, 60, 180],
    ]);
    expect(result.variants.map((v) => v.msPerStep)).toEqual([30, 60]);
    expect(result.ratioToFirst).toEqual([1, 2]);
    expect(result.variants[1]!.last).toEqual({ load: 9 });
  });

  it('reports each round as it ends', async () => {
    const lines: string[] = [];
    await alternateRounds(
      [{ label: 'only', variant: 5 }],
      2,
      async (ms) => ({ msPerStep: ms }),
      (m) => lines.push(m),
    );
    expect(lines).toEqual(['round 1/2: only 5 ms', 'round 2/2: only 5 ms']);
  });
});
