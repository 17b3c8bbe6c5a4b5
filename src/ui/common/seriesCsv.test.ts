import { describe, expect, it } from 'vitest';
import { seriesCsv } from './seriesCsv';

describe('seriesCsv', () => {
  it('writes a header of labels and one row per point, blanks where a value is missing or not finite', () => {
    const rows = [
      { step: 1, loss: 2.5, lr: 1e-3 },
      { step: 2, loss: NaN, lr: undefined },
    ];
    const csv = seriesCsv(
      [
        { key: 'step', label: 'step' },
        { key: 'loss', label: 'loss (nats/token)' },
        { key: 'lr', label: 'learning rate' },
      ],
      rows,
    );
    expect(csv).toBe('step,loss (nats/token),learning rate\n1,2.5,0.001\n2,,\n');
  });

  it('quotes text with commas, quotes or line breaks', () => {
    expect(seriesCsv([{ key: 'arm', label: 'arm, seed' }], [{ arm: 'easy "→" hard' }, { arm: 'a\nb' }])).toBe(
      '"arm, seed"\n"easy ""→"" hard"\n"a\nb"\n',
    );
  });
});
