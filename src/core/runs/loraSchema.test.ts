import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { baseModelRef } from './settings';
import { trainSettingsSchema } from './settingsSchema';

describe('LoRA in the run settings schema', () => {
  const schema = trainSettingsSchema(baseModelRef());

  it('carries LoRA settings (extras default off) and leaves them out for full fine-tuning', () => {
    const parsed = v.parse(schema, { lora: { rank: 4, alpha: 8, targets: ['attn.c_attn', 'mlp.c_proj'] } });
    expect(parsed.lora).toEqual({
      rank: 4,
      alpha: 8,
      targets: ['attn.c_attn', 'mlp.c_proj'],
      biases: false,
      layerNorms: false,
    });
    expect(v.parse(schema, {}).lora).toBeUndefined();
  });

  it('refuses a rank, alpha or target it cannot train, saying which', () => {
    const issues = (lora: unknown) =>
      v.safeParse(schema, { lora }).issues?.map((i) => `${v.getDotPath(i)} ${i.message}`) ?? [];
    expect(issues({ rank: 0, alpha: 8, targets: ['attn.c_attn'] })[0]).toMatch(
      /lora\.rank must be a whole number from 1 to 256/,
    );
    expect(issues({ rank: 4, alpha: 0, targets: ['attn.c_attn'] })[0]).toMatch(/lora\.alpha must be a number above 0/);
    expect(issues({ rank: 4, alpha: 8, targets: ['c_attn'] })[0]).toMatch(
      /lora\.targets\.0 must list one or more of attn\.c_attn/,
    );
    expect(issues({ rank: 4, alpha: 8, targets: [] })[0]).toMatch(/lora\.targets must list/);
  });
});
