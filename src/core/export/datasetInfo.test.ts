import { describe, expect, it } from 'vitest';
import { planByCutoffs } from '../phases/plan';
import { makeRecord } from '../phases/testing/records';
import { DATASET_INFO_COLUMN_KEYS } from './llamaFactoryFields';
import { scaleOutRecipe } from './scaleOut';
import type { DatasetInfo } from './testing/recipe';

describe('dataset_info.json for conversations', () => {
  it('names the history column exactly for the files that hold a conversation (and the one-off that mixes them)', () => {
    const records = [
      ...Array.from({ length: 4 }, (_, i) => makeRecord(`s${i}`, `say ${i}`, '', `${i}`)),
      ...Array.from({ length: 4 }, (_, i) => ({
        ...makeRecord(`c${i}`, `q${i}`, '', `a${i}`),
        history: [{ user: 'hi', assistant: 'hello' }],
      })),
    ];
    const scores = [1, 1, 1, 1, 4, 4, 4, 4];
    const plan = planByCutoffs(records, scores, [2], { scorerId: 'field', heldOut: { fraction: 0 } });
    const files = scaleOutRecipe(plan, records, scores, { baseName: 'chat' });
    const info = JSON.parse(files.find((f) => f.fileName === 'data/dataset_info.json')!.text) as DatasetInfo;
    const alpaca = { prompt: 'instruction', query: 'input', response: 'output' };
    expect(Object.fromEntries(Object.values(info).map((e) => [e.file_name, e.columns]))).toEqual({
      'chat.phase-1.jsonl': alpaca,
      'chat.phase-2.jsonl': { ...alpaca, history: 'history' },
      'chat.one-off.jsonl': { ...alpaca, history: 'history' },
    });
    for (const entry of Object.values(info))
      for (const key of Object.keys(entry.columns)) expect(DATASET_INFO_COLUMN_KEYS).toHaveProperty([key]);
    const phase2 = files
      .find((f) => f.fileName === 'data/chat.phase-2.jsonl')!
      .text.trim()
      .split('\n');
    expect(phase2.map((l) => (JSON.parse(l) as { history: unknown }).history)).toEqual(
      Array(4).fill([['hi', 'hello']]),
    );
  });
});
