// The peft module paths (peftAdapter.ts's PEFT_LAYOUTS) and the families' weight maps (families/) are two tables of
// the same transformers modules: every projection an adapter can sit on must name, in both, the same checkpoint
// tensors — else an adapter folder would point peft at modules the merged export does not write.
import { describe, expect, it } from 'vitest';
import { LORA_TARGETS } from '../model/loraSettings';
import { HF_FAMILIES } from './families';
import { PEFT_LAYOUTS, peftModulePaths } from './peftAdapter';

describe('peft layouts agree with the families’ weight maps', () => {
  it.each(Object.keys(HF_FAMILIES))('%s: every LoRA target names the checkpoint tensors of the weight map', (type) => {
    const family = HF_FAMILIES[type as keyof typeof HF_FAMILIES];
    const layout = PEFT_LAYOUTS[type];
    expect(layout, `no peft layout for ${type}`).toBeDefined();
    const map = family.weights;
    const prefix = map.prefixes?.[0] ?? 'transformer.';
    const blockPath = map.blockPath ?? 'h.';
    let checked = 0;
    for (const target of LORA_TARGETS) {
      const rule = map.block.find((r) => r.ours === `${target}.weight`);
      if (rule === undefined) continue;
      const fromMap = (typeof rule.from === 'string' ? [rule.from] : rule.from).map(
        (name) => `${prefix}${blockPath}3.${name}`,
      );
      const fromPeft = peftModulePaths(layout!, `h.3.${target}`).map((path) => `${path}.weight`);
      expect(fromPeft, `${type} ${target}`).toEqual(fromMap);
      checked++;
    }
    expect(checked).toBe(family.weights.block.some((r) => r.ours === 'attn.q_proj.weight') ? 7 : 4);
  });
});
