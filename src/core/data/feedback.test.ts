import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { jsonl, sharegptTurns, utf8 } from './testing/fixtures';

const pick = (records: { instruction: string; input: string; output: string }[]) =>
  records.map((r) => [r.instruction, r.input, r.output]);

describe('preference pairs (DPO): trained on the chosen answer only', () => {
  it("LLaMA-Factory's ShareGPT form: conversations + chosen/rejected turns", async () => {
    const rows = [
      {
        conversations: [{ from: 'human', value: 'Name a prime.' }],
        chosen: { from: 'gpt', value: '7 is prime.' },
        rejected: { from: 'gpt', value: '8 is prime.' },
      },
    ];
    const parsed = await parseDataset(utf8(JSON.stringify(rows, null, 2)), 'dpo_en_demo.json');
    expect(parsed.format).toBe('preference');
    expect(pick(parsed.records)).toEqual([['Name a prime.', '', '7 is prime.']]);
    expect(JSON.stringify(parsed.records)).not.toContain('8 is prime');
    expect(parsed.report.notes).toEqual([
      '1 row: preference pair (chosen/rejected): trained on the chosen answer; the rejected one was dropped',
    ]);
  });

  it("LLaMA-Factory's Alpaca form, TRL's text and conversational forms, and Anthropic HH transcripts", async () => {
    const text = jsonl([
      { instruction: 'Add', input: '2 and 3', chosen: '5', rejected: '6' },
      { prompt: 'Capital of France?', chosen: 'Paris', rejected: 'Lyon' },
      {
        prompt: [{ role: 'user', content: 'Say hi' }],
        chosen: [{ role: 'assistant', content: 'Hi!' }],
        rejected: [{ role: 'assistant', content: 'No.' }],
      },
      {
        chosen: [
          { role: 'user', content: 'Colour of grass?' },
          { role: 'assistant', content: 'Green' },
        ],
        rejected: [
          { role: 'user', content: 'Colour of grass?' },
          { role: 'assistant', content: 'Blue' },
        ],
      },
      { chosen: '\n\nHuman: Is ice cold?\n\nAssistant: Yes.', rejected: '\n\nHuman: Is ice cold?\n\nAssistant: No.' },
    ]);
    const parsed = await parseDataset(utf8(text), 'pairs.jsonl');
    expect(pick(parsed.records)).toEqual([
      ['Add', '2 and 3', '5'],
      ['Capital of France?', '', 'Paris'],
      ['Say hi', '', 'Hi!'],
      ['Colour of grass?', '', 'Green'],
      ['Is ice cold?', '', 'Yes.'],
    ]);
    for (const r of parsed.records) expect(r.meta).toEqual({});
  });

  it('reads a multi-turn pair whole: earlier exchanges as history, the chosen final answer as output', async () => {
    const row = {
      chosen: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: 2+2?\n\nAssistant: 4',
      rejected: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: 2+2?\n\nAssistant: 5',
    };
    const parsed = await parseDataset(utf8(jsonl([row, { prompt: 'p', chosen: 'c', rejected: 'r' }])), 'hh.jsonl');
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.records).toEqual([
      { id: '0', instruction: '2+2?', input: '', output: '4', history: [{ user: 'Hi', assistant: 'Hello' }], meta: {} },
      { id: '1', instruction: 'p', input: '', output: 'c', meta: {} },
    ]);
  });
});

describe('KTO feedback: label false is never a target', () => {
  it('keeps desirable answers and rejects undesirable ones by name', async () => {
    const text = jsonl([
      {
        messages: [
          { role: 'user', content: 'Q1' },
          { role: 'assistant', content: 'good answer' },
        ],
        label: true,
      },
      {
        messages: [
          { role: 'user', content: 'Q2' },
          { role: 'assistant', content: 'bad answer' },
        ],
        label: false,
      },
      { prompt: 'Q3', completion: 'fine', label: true },
      { prompt: 'Q4', completion: 'wrong', label: false },
    ]);
    const parsed = await parseDataset(utf8(text), 'kto_en_demo.jsonl');
    expect(parsed.format).toBe('kto');
    expect(pick(parsed.records)).toEqual([
      ['Q1', '', 'good answer'],
      ['Q3', '', 'fine'],
    ]);
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'undesirable answer (KTO `label: false`): not a training target'],
      [4, 'undesirable answer (KTO `label: false`): not a training target'],
    ]);
    expect(parsed.report.accepted + parsed.report.rejected.length).toBe(4);
  });
});

describe('TRL prompt–completion rows', () => {
  it('reads text and conversational prompt–completion', async () => {
    const text = jsonl([
      { prompt: 'The sky is', completion: ' blue.' },
      { prompt: [{ role: 'user', content: 'Sky colour?' }], completion: [{ role: 'assistant', content: 'Blue.' }] },
    ]);
    const parsed = await parseDataset(utf8(text), 'pc.jsonl');
    expect(parsed.format).toBe('prompt-completion');
    expect(pick(parsed.records)).toEqual([
      ['The sky is', '', ' blue.'],
      ['Sky colour?', '', 'Blue.'],
    ]);
  });
});

describe('chat content of today', () => {
  it('reads text parts spelled {type, text} or {type, value}, and names dropped images', async () => {
    const text = jsonl([
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', value: 'Describe' },
              { type: 'image_url', image_url: { url: 'x.png' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'parts.jsonl');
    expect(pick(parsed.records)).toEqual([['Describe', '', 'A cat.']]);
    expect(parsed.report.notes).toEqual([
      '1 row: dropped a non-text content part (image_url): the studio trains on text only',
    ]);
  });

  it("keeps tool-use turns as text: LLaMA-Factory's function_call / observation, OpenAI's tool_calls", async () => {
    const text = jsonl([
      {
        conversations: sharegptTurns(
          'human: Weather in Paris?',
          'function_call: {"name": "weather", "arguments": {"city": "Paris"}}',
          'observation: {"temp": 21}',
          'gpt: It is 21 °C.',
        ),
        tools: '[{"name": "weather"}]',
      },
      {
        messages: [
          { role: 'user', content: 'Time?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ type: 'function', function: { name: 'now', arguments: '{}' } }],
          },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'tools.jsonl');
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.records.map((r) => r.output)).toEqual([
      'It is 21 °C.',
      '[{"type":"function","function":{"name":"now","arguments":"{}"}}]',
    ]);
    // The call is the first exchange's answer; the tool's result is the user side of the final exchange.
    expect(parsed.records[0]!.history).toEqual([
      { user: 'Weather in Paris?', assistant: '{"name": "weather", "arguments": {"city": "Paris"}}' },
    ]);
    expect(parsed.records[0]!.instruction).toBe('{"temp": 21}');
  });
});

describe('LLaMA-Factory v1 content parts', () => {
  it('reads reasoning and tool-call parts as text, and still drops media', async () => {
    const text = jsonl([
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', value: 'Weather?' },
              { type: 'image', value: 'sky.png' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', value: 'Need the tool.' },
              { type: 'tool_call', value: '{"name": "weather"}' },
            ],
          },
        ],
      },
    ]);
    const parsed = await parseDataset(utf8(text), 'v1.jsonl');
    expect(parsed.report.rejected).toEqual([]);
    expect(pick(parsed.records)).toEqual([['Weather?', '', 'Need the tool.\n{"name": "weather"}']]);
    expect(parsed.report.notes).toEqual([
      '1 row: dropped a non-text content part (image): the studio trains on text only',
    ]);
  });
});
