import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { InstructionRecord } from '../data/record';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import type { HeldOutRecord } from './heldOutLoss';
import { phaseSampler } from './phaseSampler';

const rec = (id: string, output: string): InstructionRecord => ({
  id,
  instruction: `task ${id}`,
  input: '',
  output,
  meta: {},
});

/** Ten records in each of buckets 1 and 2; the expected answers are `answer(i)`. */
function heldOut(answer: (i: number) => string): HeldOutRecord[] {
  return Array.from({ length: 20 }, (_, i) => ({ record: rec(String(i), answer(i)), bucket: String(1 + (i % 2)) }));
}

describe('phaseSampler', () => {
  const tok = CharTokenizer.fromTexts(['task 0123456789x', 'User: ', '\nAssistant: ']);
  const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 96 });
  let params: GptParams;
  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(config, 1);
  });
  afterAll(() => disposeGptParams(params));

  it('answers four prompts per bucket after each stage, with up to the longest expected answer + 8 new tokens', async () => {
    const sample = phaseSampler(
      { config, params },
      tok,
      heldOut((i) => 'x'.repeat(1 + (i % 4))),
    );
    const snapshot = (await sample(1, { step: 30, tokensSeen: 900 }))!;
    expect(snapshot).toMatchObject({ phase: 1, label: 'after stage 2', step: 30, tokensSeen: 900 });
    expect(snapshot.samples.map((s) => s.bucket)).toEqual(['1', '1', '1', '1', '2', '2', '2', '2']);
    const longest = Math.max(...snapshot.samples.map((s) => s.expected.length));
    // An untrained model rarely stops by itself: those that run to the cap show it.
    const capped = snapshot.samples.filter((s) => s.stop === 'max');
    expect(capped.length).toBeGreaterThan(0);
    for (const s of capped) expect([...s.generated].length).toBe(longest + 8);
  });

  it('never more than 48 new tokens, however long the answers; as many per bucket as asked; none without prompts', async () => {
    const sample = phaseSampler(
      { config, params },
      tok,
      heldOut(() => 'x'.repeat(50)),
      { perBucket: 1 },
    );
    const snapshot = (await sample(0, { step: 1, tokensSeen: 2 }))!;
    expect(snapshot.samples.map((s) => s.bucket)).toEqual(['1', '2']);
    for (const s of snapshot.samples.filter((x) => x.stop === 'max')) expect([...s.generated].length).toBe(48);
    expect(snapshot.samples.some((s) => s.stop === 'max')).toBe(true);
    expect(await phaseSampler({ config, params }, tok, [])(0, { step: 0, tokensSeen: 0 })).toBeUndefined();
  });
});
