import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { jsonl, messageTurns, sharegptTurns, utf8 } from './testing/fixtures';

describe('ShareGPT / OpenAI messages reader', () => {
  it('takes the first human turn and the gpt turn after it; system goes to meta.system', async () => {
    const rows = [
      {
        id: 'conv-1',
        conversations: [
          { from: 'system', value: 'You are terse.' },
          { from: 'human', value: 'What is 2+2?' },
          { from: 'gpt', value: '4' },
        ],
      },
    ];
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'sharegpt.json');
    expect(parsed.format).toBe('sharegpt');
    expect(parsed.formatLabel).toBe('ShareGPT conversations JSON array');
    expect(parsed.records).toEqual([
      { id: 'conv-1', instruction: 'What is 2+2?', input: '', output: '4', meta: { system: 'You are terse.' } },
    ]);
    expect(parsed.report.warnings).toEqual([]);
  });

  it('keeps every exchange of a multi-turn conversation: the last is instruction → output, earlier ones history', async () => {
    const text = jsonl([
      {
        conversations: [
          { from: 'human', value: 'Hi' },
          { from: 'gpt', value: 'Hello' },
        ],
      },
      { conversations: sharegptTurns('human: Q1', 'gpt: A1', 'human: Q2', 'gpt: A2', 'human: Q3', 'gpt: A3') },
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'gpt', value: 'A' },
          { from: 'human', value: 'Thanks!' },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'sg.jsonl');
    expect(parsed.records.map((r) => [r.instruction, r.output])).toEqual([
      ['Hi', 'Hello'],
      ['Q3', 'A3'],
      ['Q', 'A'],
    ]);
    expect(parsed.records[1]!.history).toEqual([
      { user: 'Q1', assistant: 'A1' },
      { user: 'Q2', assistant: 'A2' },
    ]);
    // A single exchange has no `history` key at all, so it serialises exactly as before.
    expect(Object.keys(parsed.records[0]!)).not.toContain('history');
    expect(JSON.stringify(parsed.records[0])).toBe(
      '{"id":"0","instruction":"Hi","input":"","output":"Hello","meta":{}}',
    );
    expect(parsed.report.warnings).toEqual([]);
    expect(parsed.report.notes).toEqual([
      '1 row: multi-turn conversation, every assistant turn trained',
      '1 row: user turn(s) after the last answer dropped: nothing answers them',
    ]);
  });

  it('joins consecutive turns of one side, and tool results into the user side', async () => {
    const text = jsonl([
      {
        messages: messageTurns(
          'user: Part A.',
          'user: Part B.',
          'assistant: One.',
          'assistant: Two.',
          'system: Late system.',
          'tool: {"ok": true}',
          'user: And?',
          'assistant: Done.',
        ),
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'chat.jsonl');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: '{"ok": true}\n\nAnd?',
        input: '',
        output: 'Done.',
        history: [{ user: 'Part A.\n\nPart B.', assistant: 'One.\n\nTwo.' }],
        meta: { system: 'Late system.' },
      },
    ]);
  });

  it('per-message loss_weight / weight 0 makes an answer context only; trailing untrained exchanges are dropped', async () => {
    const text = jsonl([
      {
        messages: [
          { role: 'user', content: 'Q1' },
          { role: 'assistant', content: 'A1', weight: 0 },
          { role: 'user', content: 'Q2' },
          { role: 'assistant', content: 'A2', weight: 1 },
        ],
      },
      {
        conversations: [
          { from: 'human', value: 'Q1' },
          { from: 'gpt', value: 'A1', loss_weight: 1 },
          { from: 'human', value: 'Q2' },
          { from: 'gpt', value: 'A2', loss_weight: 0 },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A', weight: 0 },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A', weight: 0.5 },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'weights.jsonl');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: 'Q2',
        input: '',
        output: 'A2',
        history: [{ user: 'Q1', assistant: 'A1', trained: false }],
        meta: {},
      },
      { id: '1', instruction: 'Q1', input: '', output: 'A1', meta: {} },
    ]);
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'no trained answer: every assistant turn in `messages` has `loss_weight` (or `weight`) 0'],
      [4, 'wrong type: `messages[1].weight` is 0.5, expected 0 or 1'],
    ]);
    expect(parsed.report.notes).toEqual([
      '1 row: multi-turn conversation, assistant turns with `loss_weight` 0 kept as context, not trained',
      '1 row: exchanges after the last trained answer (`loss_weight` 0) dropped: they train nothing',
    ]);
  });

  it('reads OpenAI {messages: [{role, content}]} including content parts', async () => {
    const text = jsonl([
      {
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Name a colour.' },
          { role: 'assistant', content: 'Blue.' },
        ],
        source: 'synthetic',
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Part one.' },
              { type: 'text', text: 'Part two.' },
            ],
          },
          { role: 'assistant', content: 'Done.' },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'chat.jsonl');
    expect(parsed.format).toBe('openai-messages');
    expect(parsed.formatLabel).toBe('OpenAI messages JSONL');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: 'Name a colour.',
        input: '',
        output: 'Blue.',
        meta: { system: 'Be kind.', source: 'synthetic' },
      },
      { id: '1', instruction: 'Part one.\nPart two.', input: '', output: 'Done.', meta: {} },
    ]);
  });

  it('rejects conversations it cannot use, naming the turn', async () => {
    const text = jsonl([
      { conversations: [{ from: 'human', value: 'Only a question' }] },
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'human', value: 'Q again' },
        ],
      },
      { conversations: [{ from: 'gpt', value: 'Hello!' }] },
      {
        conversations: [
          { from: 'alien', value: 'Q' },
          { from: 'gpt', value: 'A' },
        ],
      },
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'gpt', value: 7 },
        ],
      },
      { conversations: 'Q: hi A: hello' },
      {
        conversations: [
          { from: 'human', value: '   ' },
          { from: 'gpt', value: 'A' },
        ],
      },
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'gpt', value: 'the one usable row' },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'bad.jsonl');
    expect(parsed.records.map((r) => r.output)).toEqual(['the one usable row']);
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [1, 'missing output: no assistant turn after the first user turn (`conversations[0]`)'],
      [2, 'missing output: `conversations[1]` after the first user turn is from "human", not the assistant'],
      [3, 'missing instruction: no user turn in `conversations` (1 turn)'],
      [
        4,
        'unknown speaker "alien" in `conversations[0].from` (known: human, user, gpt, assistant, system, function_call, observation, tool)',
      ],
      [5, 'wrong type: `conversations[1].value` is a number, expected text'],
      [6, 'wrong type: `conversations` is text, expected a list of turns'],
      [7, 'empty instruction: `conversations[0].value` holds only whitespace'],
    ]);
  });

  it('skips an opening assistant greeting with a warning', async () => {
    const text = jsonl([
      {
        conversations: [
          { from: 'gpt', value: 'How can I help?' },
          { from: 'human', value: 'Q' },
          { from: 'gpt', value: 'A' },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'greet.jsonl');
    expect(parsed.records[0]).toMatchObject({ instruction: 'Q', output: 'A' });
    expect(parsed.report.warnings.map((w) => w.message)).toEqual([
      'conversation opens with 1 assistant turn(s) before the first user turn; skipped',
    ]);
  });
});
