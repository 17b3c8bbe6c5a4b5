/**
 * The prompt/response seam under GPT-2's byte-level BPE, checked against js-tiktoken's GPT-2 encoder: the training
 * ids of every record are the ids of the joined training string (special tokens apart), and a token is trained
 * exactly when its bytes reach into a trained answer (a token straddling the seam, " Paris", is trained), and the
 * generation prompt is the training row up to the response.
 */
import { describe, expect, it } from 'vitest';
import type { Exchange, InstructionRecord } from '../data/record';
import { gpt2Files, gpt2Tokenizer, tiktokenGpt2 } from '../tokenizer/testing/gpt2';
import { mulberry32 } from '../util/random';
import { encodeExample, generationPrompt, renderTemplate, TEMPLATE_NAMES, type TemplateName } from './template';
import { responseMask } from './masks';

const tok = gpt2Tokenizer();
const tiktoken = tiktokenGpt2();
const EOT = 50256;
const utf8 = new TextEncoder();

/** Byte length of each GPT-2 token (a vocab.json key has one character per byte). */
let tokenBytes: number[] | undefined;
function bytesOf(id: number): number {
  if (tokenBytes === undefined) {
    tokenBytes = [];
    for (const [key, i] of Object.entries(gpt2Files().vocab)) tokenBytes[i] = key.length;
  }
  return tokenBytes[id]!;
}

const WORDS = [
  'Paris',
  'the',
  '3',
  '42.5',
  "'s",
  'émigré',
  '日本語',
  '😀',
  '-',
  '...',
  'x',
  'Hello,',
  'world!',
  '(a)',
  '"quoted"',
  "don't",
  'tab\there',
];
const STARTS = ['', ' ', '  ', '\n', '\n\n', '\t', ' \n'];

function phrase(rand: () => number, maxWords: number): string {
  const n = 1 + Math.floor(rand() * maxWords);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  const glue = () => (rand() < 0.8 ? ' ' : rand() < 0.5 ? '\n' : '');
  return STARTS[Math.floor(rand() * STARTS.length)]! + words.reduce((s, w) => s + glue() + w);
}

function records(count: number, seed: number): InstructionRecord[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const history: Exchange[] = Array.from({ length: i % 3 === 0 ? Math.floor(rand() * 3) : 0 }, () => ({
      user: phrase(rand, 5),
      assistant: rand() < 0.1 ? '' : phrase(rand, 6),
      ...(rand() < 0.3 ? { trained: false } : {}),
    }));
    return {
      id: `r${i}`,
      instruction: phrase(rand, 6),
      input: rand() < 0.4 ? phrase(rand, 4) : '',
      output: rand() < 0.05 ? '' : phrase(rand, 8),
      ...(history.length > 0 ? { history } : {}),
      meta: {},
    };
  });
}

/**
 * The oracle: the rendered string cut at `<bos>`/`<eos>`, each text between them encoded by js-tiktoken as one
 * string; a token trained when its bytes overlap a trained answer or the `<eos>` closing it.
 */
function oracle(name: TemplateName, r: InstructionRecord): { ids: number[]; mask: number[] } {
  const rendered = renderTemplate(name, r);
  const answers = [
    ...(r.history ?? []).map((x) => ({ text: x.assistant, trained: x.trained !== false })),
    { text: r.output, trained: true },
  ];
  // Byte ranges [start, end) of each trained answer and the `<eos>` after it, in the rendered string.
  const trained: [number, number][] = [];
  // Each answer follows its template's answer lead, so an empty answer is found at its own place.
  const lead = name === 'paper' ? 'Assistant: ' : '### Response:\n';
  let from = 0;
  for (const a of answers) {
    const at = rendered.indexOf(`${lead}${a.text}<eos>`, from) + lead.length;
    if (at < lead.length) throw new Error(`answer ${JSON.stringify(a.text)} not in the rendered string`);
    from = at + a.text.length + '<eos>'.length;
    if (a.trained)
      trained.push([utf8.encode(rendered.slice(0, at)).length, utf8.encode(rendered.slice(0, from)).length]);
  }
  const isTrained = (from: number, to: number) => trained.some(([s, e]) => from < e && to > s);
  const ids: number[] = [];
  const mask: number[] = [];
  let byte = 0;
  for (const part of rendered.split(/(<bos>|<eos>)/)) {
    if (part === '') continue;
    if (part === '<bos>' || part === '<eos>') {
      ids.push(EOT);
      mask.push(isTrained(byte, byte + part.length) ? 1 : 0);
      byte += part.length;
      continue;
    }
    for (const id of tiktoken.encode(part)) {
      ids.push(id);
      mask.push(isTrained(byte, byte + bytesOf(id)) ? 1 : 0);
      byte += bytesOf(id);
    }
  }
  return { ids, mask };
}

describe('the prompt/response seam under GPT-2 byte-level BPE', () => {
  it('"\\nAssistant: " + "Paris" is ":" " Paris" (25, 6342), not ":" " " "Paris" (25, 220, 40313)', () => {
    const e = encodeExample('paper', tok, {
      instruction: 'Capital of France?',
      input: '',
      output: 'Paris',
      history: undefined,
    });
    expect(e.ids.slice(-3)).toEqual([25, 6342, EOT]);
    expect(e.ids).not.toContain(220);
    expect(e.ids).toEqual([
      EOT,
      ...tiktoken.encode('User: Capital of France?'),
      EOT,
      ...tiktoken.encode('\nAssistant: Paris'),
      EOT,
    ]);
    // " Paris" straddles the seam (it holds the prompt's last space): it is the response's first token, trained.
    expect(e.promptLength).toBe(e.ids.length - 2);
    // Generation is given the row up to there; the space is generated with the first word, as trained.
    const g = generationPrompt('paper', tok, { instruction: 'Capital of France?', input: '' });
    expect(g.ids).toEqual(e.ids.slice(0, e.promptLength));
    expect(g.heldBack).toEqual([220]);
  });

  for (const name of TEMPLATE_NAMES) {
    it(`${name}: over 600 records and conversations the ids are the joined text's and the mask follows the seam rule`, () => {
      for (const r of records(600, name === 'paper' ? 13 : 14)) {
        const e = encodeExample(name, tok, r);
        const want = oracle(name, r);
        expect(e.ids, r.id).toEqual(want.ids);
        expect(Array.from(responseMask(e)), r.id).toEqual(want.mask);
        // An answer that starts with a word, a digit or a sign: generation starts exactly where training's response does.
        if (/^\S/.test(r.output))
          expect(generationPrompt(name, tok, r).ids, r.id).toEqual(e.ids.slice(0, e.promptLength));
      }
    });
  }
});
