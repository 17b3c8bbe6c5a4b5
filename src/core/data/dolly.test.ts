import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { jsonl, utf8 } from './testing/fixtures';

describe('Dolly reader', () => {
  it('maps context to input and response to output, keeping category in meta', async () => {
    const text = jsonl([
      {
        instruction: 'When did Virgin Australia start operating?',
        context: 'Virgin Australia commenced services on 31 August 2000.',
        response: '31 August 2000.',
        category: 'closed_qa',
      },
      { instruction: 'Which is a species of fish?', context: '', response: 'Tope', category: 'classification' },
    ]);
    const parsed = await parseDataset(utf8(text), 'databricks-dolly-15k.jsonl');
    expect(parsed.format).toBe('dolly');
    expect(parsed.formatLabel).toBe('Dolly JSONL');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: 'When did Virgin Australia start operating?',
        input: 'Virgin Australia commenced services on 31 August 2000.',
        output: '31 August 2000.',
        meta: { category: 'closed_qa' },
      },
      {
        id: '1',
        instruction: 'Which is a species of fish?',
        input: '',
        output: 'Tope',
        meta: { category: 'classification' },
      },
    ]);
  });

  it('names the Dolly field in a rejection', async () => {
    const text = jsonl([
      { instruction: 'x', context: '', response: 'y', category: 'qa' },
      { instruction: 'x', context: 'c', category: 'qa' },
    ]);
    const parsed = await parseDataset(utf8(text), 'd.jsonl');
    expect(parsed.report.rejected).toEqual([
      expect.objectContaining({ line: 2, index: 1, reason: 'missing output: no `response` field' }),
    ]);
  });
});
