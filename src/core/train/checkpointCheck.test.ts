import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, initGptParams } from '../model/gpt';
import { parseSafetensors } from '../model/safetensors';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { firstNonFinite } from './checkpointCheck';

const tok = CharTokenizer.fromTexts(['abc'], { alwaysInclude: 'User: \nAssistant' });

/** Real checkpoint bytes of a micro GPT. */
function checkpointBytes(): Uint8Array {
  const config = gptConfigFromPreset('micro', tok.vocabSize);
  const params = initGptParams(config, 1);
  const bytes = saveCheckpoint({ config, tokenizer: tok, params });
  disposeGptParams(params);
  return bytes;
}

/** Overwrites element `index` of tensor `name` in the file's data section (F32, little-endian). */
function tamper(bytes: Uint8Array, name: string, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const dataStart = 8 + Number(view.getBigUint64(0, true));
  const [begin] = parseSafetensors(out).entry(name).dataOffsets;
  view.setFloat32(dataStart + begin + 4 * index, value, true);
  return out;
}

describe('firstNonFinite', () => {
  beforeAll(async () => {
    await setNodeBackend('cpu');
  });

  it('passes a checkpoint whose every float is finite', () => {
    expect(firstNonFinite(checkpointBytes())).toBeNull();
  });

  it('names the tensor, element and value of a tampered checkpoint, as loading does', () => {
    const good = checkpointBytes();
    const nan = tamper(good, 'h.1.mlp.c_fc.weight', 17, NaN);
    expect(firstNonFinite(nan)).toEqual({ tensor: 'h.1.mlp.c_fc.weight', index: 17, value: NaN });
    expect(() => loadCheckpoint(nan)).toThrow(/"h.1.mlp.c_fc.weight" holds NaN at element 17/);
    expect(firstNonFinite(tamper(good, 'ln_f.bias', 0, -Infinity))).toEqual({
      tensor: 'ln_f.bias',
      index: 0,
      value: -Infinity,
    });
  });
});
