// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GptConfig } from '../../core/model/config';
import { useTrainStore } from '../../state/trainStore';
import { LoraSettingsFields } from './LoraSettingsFields';

const initial = useTrainStore.getState();

/** A SmolLM2-shaped model at toy size: grouped attention and a SwiGLU MLP. */
const LLAMA_SHAPED: GptConfig = {
  vocabSize: 64,
  contextLength: 32,
  layers: 2,
  width: 32,
  heads: 4,
  kvHeads: 2,
  mlpRatio: 2,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
  norm: 'rmsNorm',
  positions: 'rope',
  rope: { theta: 10000 },
  mlp: 'swiglu',
  attention: 'grouped',
  qkvBias: false,
  attnOutBias: false,
  mlpBias: false,
};

beforeEach(() => {
  localStorage.clear();
  useTrainStore.setState(initial, true);
});
afterEach(cleanup);

describe('LoraSettingsFields', () => {
  it("offers a Llama-shaped model its own projections and starts at peft's default, q_proj and v_proj", async () => {
    render(<LoraSettingsFields config={LLAMA_SHAPED} />);
    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    for (const t of ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'])
      expect(screen.getByLabelText(new RegExp(`LoRA on (attn|mlp)\\.${t}$`))).toBeTruthy();
    expect(screen.queryByLabelText('LoRA on attn.c_attn')).toBeNull();
    expect(useTrainStore.getState().settings.lora?.targets).toEqual(['attn.q_proj', 'attn.v_proj']);
  });

  it("offers GPT-2's projections when no imported model is chosen", async () => {
    render(<LoraSettingsFields />);
    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    expect(screen.getByLabelText('LoRA on attn.c_attn')).toBeTruthy();
    expect(screen.queryByLabelText('LoRA on attn.q_proj')).toBeNull();
  });
});
