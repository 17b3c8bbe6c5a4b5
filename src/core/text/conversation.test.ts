/**
 * Whole conversations through template and batching, checked against an independent oracle: the toy tokenizer
 * gives one token per character (and one per `<bos>`/`<eos>`), so the trained tokens can be found in the rendered
 * string by where each answer's text lies, without the template's piece bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../data/parseDataset';
import type { Exchange, InstructionRecord } from '../data/record';
import { jsonl, utf8 } from '../data/testing/fixtures';
import { BatchBuilder, fitToContext } from './batches';
import { pretokenize } from './pretokenize';
import { finalResponseOnly, responseMask } from './masks';
import { encodeExample, encodePrompt, renderTemplate, TEMPLATE_NAMES, type TemplateName } from './template';
import { ToyTokenizer } from './testing/toyData';

const tok = new ToyTokenizer();

function conversation(history: Exchange[], instruction: string, output: string): InstructionRecord {
  return { id: 'c', instruction, input: '', output, history, meta: {} };
}

const threeTurns = conversation(
  [
    { user: 'u1 first', assistant: 'a1 alpha' },
    { user: 'u2 second', assistant: 'a2 beta' },
  ],
  'u3 third',
  'a3 gamma',
);

/** The rendered string as toy tokens: `<bos>`/`<eos>` one token each, every other character one token. */
function tokensOf(rendered: string): { token: string; at: number }[] {
  const out: { token: string; at: number }[] = [];
  for (let i = 0; i < rendered.length;) {
    const special = rendered.startsWith('<bos>', i) ? '<bos>' : rendered.startsWith('<eos>', i) ? '<eos>' : undefined;
    out.push({ token: special ?? rendered[i]!, at: i });
    i += special ? special.length : 1;
  }
  return out;
}

/** Oracle: 1 on the tokens of each trained answer and the `<eos>` right after it, found by their text. */
function oracleTrained(name: TemplateName, r: InstructionRecord): number[] {
  const rendered = renderTemplate(name, r);
  const ranges: [number, number][] = [];
  let from = 0;
  const answers = [
    ...(r.history ?? []).map((x) => ({ text: x.assistant, trained: x.trained !== false })),
    { text: r.output, trained: true },
  ];
  for (const a of answers) {
    const at = rendered.indexOf(`${a.text}<eos>`, from);
    if (at < 0) throw new Error(`answer "${a.text}" not found in the rendered string`);
    from = at + a.text.length + '<eos>'.length;
    if (a.trained) ranges.push([at, from]);
  }
  return tokensOf(rendered).map(({ at }) => (ranges.some(([s, e]) => at >= s && at < e) ? 1 : 0));
}

describe('templates render every turn of a conversation', () => {
  it('paper: <bos>User: u1<eos>\\nAssistant: a1<eos>\\nUser: u2<eos>\\nAssistant: a2<eos>…', () => {
    expect(renderTemplate('paper', threeTurns)).toBe(
      '<bos>User: u1 first<eos>\nAssistant: a1 alpha<eos>\nUser: u2 second<eos>\nAssistant: a2 beta<eos>\nUser: u3 third<eos>\nAssistant: a3 gamma<eos>',
    );
  });

  it("alpaca: the head once, then LLaMA-Factory's ### Instruction / ### Response per exchange", () => {
    expect(renderTemplate('alpaca', threeTurns)).toBe(
      '<bos>Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        '### Instruction:\nu1 first\n\n### Response:\na1 alpha<eos>\n\n' +
        '### Instruction:\nu2 second\n\n### Response:\na2 beta<eos>\n\n' +
        '### Instruction:\nu3 third\n\n### Response:\na3 gamma<eos>',
    );
  });

  for (const name of TEMPLATE_NAMES) {
    it(`${name}: the encoded ids are the rendered string; the generation prompt holds the history`, () => {
      const e = encodeExample(name, tok, threeTurns);
      expect(tok.decode(e.ids)).toBe(renderTemplate(name, threeTurns));
      expect(encodePrompt(name, tok, threeTurns)).toEqual(e.ids.slice(0, e.promptLength));
      expect(tok.decode(e.ids.slice(e.promptLength))).toBe('a3 gamma<eos>');
    });
  }

  it('a record without history encodes exactly as a single exchange did, with no trainedSpans', () => {
    const single = { id: 's', instruction: 'Hi', input: 'x', output: 'Yo', meta: {} };
    for (const name of TEMPLATE_NAMES) {
      const e = encodeExample(name, tok, single);
      expect(Object.keys(e)).toEqual(['ids', 'promptLength']);
      expect(encodeExample(name, tok, { ...single, history: [] })).toEqual(e);
    }
  });
});

describe('the loss covers every trained assistant turn and nothing else', () => {
  for (const name of TEMPLATE_NAMES) {
    it(`${name}: 3 turns → mask on a1, a2, a3 and their <eos>, as the oracle finds them`, () => {
      const e = encodeExample(name, tok, threeTurns);
      const oracle = oracleTrained(name, threeTurns);
      expect(Array.from(responseMask(e))).toEqual(oracle);
      expect(tok.decode(e.ids.filter((_, i) => oracle[i] === 1))).toBe('a1 alpha<eos>a2 beta<eos>a3 gamma<eos>');

      const T = e.ids.length - 1;
      const hb = new BatchBuilder(1, T, tok.padId).build(pretokenize([threeTurns], name, tok, T).examples);
      // mask[t] scores target t + 1.
      expect(Array.from(hb.mask)).toEqual(oracle.slice(1));
      expect(hb.maskTokens).toBe(oracle.reduce((a, b) => a + b, 0));
      expect(tok.decode(Array.from(hb.targets).filter((_, t) => hb.mask[t] === 1))).toBe(
        'a1 alpha<eos>a2 beta<eos>a3 gamma<eos>',
      );
    });
  }

  it('an exchange with trained: false (loss_weight 0) is context only', () => {
    const r = conversation(
      [threeTurns.history![0]!, { ...threeTurns.history![1]!, trained: false }],
      'u3 third',
      'a3 gamma',
    );
    const e = encodeExample('paper', tok, r);
    expect(Array.from(responseMask(e))).toEqual(oracleTrained('paper', r));
    const hb = new BatchBuilder(1, e.ids.length - 1, tok.padId).build([fitToContext(e, e.ids.length - 1)]);
    expect(tok.decode(Array.from(hb.targets).filter((_, t) => hb.mask[t] === 1))).toBe('a1 alpha<eos>a3 gamma<eos>');
    // The untrained answer is still in the prompt the model reads.
    expect(tok.decode(Array.from(hb.ids))).toContain('a2 beta<eos>');
  });

  it('a hand-built 3-turn mask with single-character turns', () => {
    const r = conversation(
      [
        { user: 'p', assistant: 'A' },
        { user: 'q', assistant: 'B' },
      ],
      'r',
      'C',
    );
    // <bos> "User: p" <eos> "\nAssistant: " A <eos> "\nUser: q" <eos> "\nAssistant: " B <eos> "\nUser: r" <eos> "\nAssistant: " C <eos>
    //   0     1–7      8      9–20          21  22     23–30    31     32–43         44  45    46–53    54     55–66      67  68
    const e = encodeExample('paper', tok, r);
    expect(e.ids).toHaveLength(69);
    expect(e.trainedSpans).toEqual([
      { start: 21, end: 23 },
      { start: 44, end: 46 },
    ]);
    expect(e.promptLength).toBe(67);
    const expected = new Array<number>(69).fill(0);
    for (const p of [21, 22, 44, 45, 67, 68]) expected[p] = 1;
    expect(Array.from(responseMask(e))).toEqual(expected);
  });
});

describe('truncation keeps the trained spans right', () => {
  it('cutting the prompt from the left shifts the spans, clips the one it falls in, and counts what it lost', () => {
    const e = encodeExample('paper', tok, threeTurns);
    const full = Array.from(responseMask(e));
    const P = e.promptLength;
    // Keep <bos> + the last `keepTail` prompt tokens + the whole response. The prompt is 102 tokens; "a1 alpha<eos>"
    // lies at 28–36 and "a2 beta<eos>" at 66–73, so these cuts fall inside a2, between the answers, inside a1, before a1.
    const lostBy: number[] = [];
    for (const keepTail of [32, 40, 70, 75]) {
      const R = e.ids.length - P;
      const T = keepTail + 1 + R - 1;
      const row = fitToContext(e, T);
      expect(row.truncation).toBe('prompt');
      const from = P - keepTail;
      expect(Array.from(row.ids)).toEqual([e.ids[0], ...e.ids.slice(from)]);
      // The oracle: the full mask, cut the same way.
      const expected = [0, ...full.slice(from)];
      expect(
        Array.from(
          responseMask({ ids: Array.from(row.ids), promptLength: row.promptLength, trainedSpans: row.trainedSpans }),
        ),
      ).toEqual(expected);
      const lost = full.slice(1, from).reduce((a, b) => a + b, 0);
      expect(row.trainedDropped ?? 0).toBe(lost);
      lostBy.push(lost);
      const hb = new BatchBuilder(1, T, tok.padId).build([row]);
      expect(Array.from(hb.mask)).toEqual(expected.slice(1));
    }
    expect(P).toBe(102);
    expect(lostBy).toEqual([9 + 4, 9, 4, 0]);
    const { stats } = pretokenize([threeTurns], 'paper', tok, 30);
    expect(stats.trainedTokensDropped).toBe(full.slice(0, P).reduce((a, b) => a + b, 0));
  });

  it('a response longer than the row keeps only the spans inside the kept prompt tail', () => {
    const long = conversation(threeTurns.history!, 'u3', 'z'.repeat(50));
    const e = encodeExample('paper', tok, long);
    const row = fitToContext(e, 20);
    expect(row.truncation).toBe('response');
    // ⌊20/2⌋ = 10 prompt tokens: <bos> + "\nAssistant: " tail — no earlier answer fits.
    expect(row.trainedSpans).toBeUndefined();
    expect(row.trainedDropped).toBe(full(e));
  });

  it('IFD scores the final answer alone: finalResponseOnly drops the earlier spans', () => {
    const row = fitToContext(encodeExample('paper', tok, threeTurns), 200);
    expect(row.trainedSpans).toHaveLength(2);
    const only = finalResponseOnly(row);
    const hb = new BatchBuilder(1, 200, tok.padId).build([only]);
    expect(tok.decode(Array.from(hb.targets).filter((_, t) => hb.mask[t] === 1))).toBe('a3 gamma<eos>');
  });
});

function full(e: ReturnType<typeof encodeExample>): number {
  return Array.from(responseMask(e))
    .slice(0, e.promptLength)
    .reduce((a, b) => a + b, 0);
}

describe('from file to loss mask', () => {
  it('a 3-turn ShareGPT row trains a1, a2, a3; a loss_weight 0 turn (LLaMA-Factory v1 style) is left out', async () => {
    const turns = (w2: number) => [
      { role: 'user', content: [{ type: 'text', value: 'u1' }], loss_weight: 0.0 },
      { role: 'assistant', content: [{ type: 'text', value: 'a1' }], loss_weight: 1.0 },
      { role: 'user', content: [{ type: 'text', value: 'u2' }], loss_weight: 0.0 },
      { role: 'assistant', content: [{ type: 'text', value: 'a2' }], loss_weight: w2 },
      { role: 'user', content: [{ type: 'text', value: 'u3' }], loss_weight: 0.0 },
      { role: 'assistant', content: [{ type: 'text', value: 'a3' }], loss_weight: 1.0 },
    ];
    const parsed = await parseDataset(utf8(jsonl([{ messages: turns(1) }, { messages: turns(0) }])), 'v1_sft.jsonl');
    expect(parsed.report.rejected).toEqual([]);
    // `loss_weight: 0` on user turns says what the studio does anyway: no note about it.
    expect(parsed.report.notes).toEqual([
      '1 row: multi-turn conversation, every assistant turn trained',
      '1 row: multi-turn conversation, assistant turns with `loss_weight` 0 kept as context, not trained',
    ]);
    const { examples } = pretokenize(parsed.records, 'paper', tok, 128);
    const hb = new BatchBuilder(2, 128, tok.padId).build(examples);
    const trained = (row: number) =>
      tok.decode(
        Array.from(hb.targets.subarray(row * 128, row * 128 + 128)).filter((_, t) => hb.mask[row * 128 + t] === 1),
      );
    expect(trained(0)).toBe('a1<eos>a2<eos>a3<eos>');
    expect(trained(1)).toBe('a1<eos>a3<eos>');
  });
});
