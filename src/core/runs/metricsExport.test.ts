import { describe, expect, it } from 'vitest';
import { metricsToCsv } from './metricsExport';

describe('metricsToCsv', () => {
  it('writes a row per step and puts each evaluation on its step', () => {
    const csv = metricsToCsv({
      points: [
        { step: 1, tokens: 100, loss: 4.5, lr: 0.001, phase: 0 },
        { step: 2, tokens: 200, loss: 4, lr: 0.002, phase: 0 },
      ],
      evals: [
        {
          step: 2,
          tokens: 200,
          phase: 0,
          heldOutLoss: 3.9,
          buckets: [
            { bucket: '2', loss: 4.1 },
            { bucket: '1', loss: 3.7 },
          ],
        },
        { step: 3, tokens: 300, phase: 1, heldOutLoss: 3.5, buckets: [{ bucket: '1', loss: 3.2 }] },
      ],
    });
    expect(csv.trim().split('\n')).toEqual([
      'step,tokens,stage,train_loss,lr,heldout_loss,heldout_loss_phase_1,heldout_loss_phase_2',
      '1,100,1,4.5,0.001,,,',
      '2,200,1,4,0.002,3.9,3.7,4.1',
      '3,300,2,,,3.5,3.2,',
    ]);
  });
});
