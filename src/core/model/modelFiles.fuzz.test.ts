// Property-based checks that model files a person drops are refused with a named problem, never crash the reader
// and never make it size anything from an absurd header.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { GptConfigError, gptConfigFromPreset, validateGptConfig } from './config';
import { disposeGptParams, initGptParams } from './gpt';
import { HfImportError } from '../hf/files';
import { importHfModel } from '../hf/importModel';
import { parseSafetensors, SafetensorsError } from './safetensors';

const RUNS = { numRuns: 200, seed: 20261203 };

/** A safetensors file with this header (as given, not validated) and `dataBytes` zero bytes after it. */
function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const dim = fc.oneof(fc.nat(8), fc.constantFrom(0, 2 ** 31, 2 ** 53 - 1, -1, 1.5));
const entry = fc.record(
  {
    dtype: fc.oneof(
      fc.constantFrom('F32', 'F16', 'BF16', 'I32', 'I64', 'U8', 'BOOL', 'F64'),
      fc.string({ maxLength: 6 }),
      fc.constantFrom('constructor', '__proto__', 'toString'),
    ),
    shape: fc.oneof(fc.array(dim, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
    data_offsets: fc.oneof(
      fc.tuple(fc.nat(64), fc.nat(64)),
      fc.tuple(fc.constant(0), fc.constantFrom(2 ** 40, 2 ** 53 - 1)),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  },
  { requiredKeys: [] },
);
const header = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__metadata__', 'wte', 'constructor')),
  fc.oneof(entry, fc.jsonValue({ maxDepth: 1 })),
  { maxKeys: 5 },
);

beforeAll(async () => {
  await setNodeBackend('cpu');
});

describe('fuzz: model files', () => {
  it('safetensors: any header is read with every tensor inside the file, or refused by SafetensorsError', () => {
    fc.assert(
      fc.property(header, fc.nat(64), (h, dataBytes) => {
        let file;
        try {
          file = parseSafetensors(withHeader(h, dataBytes));
        } catch (error) {
          if (error instanceof SafetensorsError) return;
          throw error;
        }
        for (const e of file.entries) expect(e.dataOffsets[1]).toBeLessThanOrEqual(dataBytes);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseSafetensors(bytes);
        } catch (error) {
          if (!(error instanceof SafetensorsError)) throw error;
        }
      }),
      RUNS,
    );
  });

  it('checkpoints: a damaged checkpoint is refused with a named problem (bytes flipped, cut or metadata rewritten)', () => {
    const tokenizer = CharTokenizer.fromTexts(['User: hi\nAssistant: ok']);
    const config = gptConfigFromPreset('micro', tokenizer.vocabSize, { contextLength: 8 });
    const params = initGptParams(config, 1);
    const valid = saveCheckpoint({ config, tokenizer, params });
    disposeGptParams(params);
    const damage = fc.oneof(
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
        const bytes = valid.slice();
        bytes[at]! ^= xor;
        return bytes;
      }),
      fc.nat(valid.length - 1).map((n) => valid.slice(0, n)),
    );
    fc.assert(
      fc.property(damage, (bytes) => {
        try {
          const loaded = loadCheckpoint(bytes);
          disposeGptParams(loaded.params);
        } catch (error) {
          const named =
            error instanceof CheckpointError || error instanceof SafetensorsError || error instanceof GptConfigError;
          if (!named) throw error;
          expect((error as Error).message.length).toBeGreaterThan(10);
        }
      }),
      { ...RUNS, numRuns: 120 },
    );
  });

  it('model configs: any JSON is a valid config or a GptConfigError listing problems', () => {
    const field = fc.oneof(
      fc.integer({ min: -2, max: 2 ** 33 }),
      fc.double(),
      fc.string({ maxLength: 4 }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            vocabSize: field,
            contextLength: field,
            layers: field,
            width: field,
            heads: field,
            mlpRatio: field,
            layerNormEps: field,
            attentionScale: fc.constantFrom('sqrt', 'none', 'x'),
          },
          { requiredKeys: [] },
        ),
        (c) => {
          try {
            const valid = validateGptConfig(c);
            expect(valid.layers * valid.width).toBeLessThan(2 ** 23);
          } catch (error) {
            if (!(error instanceof GptConfigError)) throw error;
            expect(error.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      RUNS,
    );
  });

  it('Hugging Face folders: any config.json is imported or refused with an HfImportError naming the file', () => {
    const value = fc.oneof(
      fc.integer({ min: -1, max: 2 ** 40 }),
      fc.double(),
      fc.string({ maxLength: 8 }),
      fc.constant(null),
      fc.boolean(),
    );
    const config = fc.record(
      {
        model_type: fc.constantFrom('gpt2', 'gpt_neo', 'llama', 'constructor'),
        vocab_size: value,
        n_positions: value,
        n_embd: value,
        n_layer: value,
        n_head: value,
        layer_norm_epsilon: value,
        hidden_size: value,
        num_layers: value,
        num_heads: value,
        max_position_embeddings: value,
        attention_types: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['model_type'] },
    );
    fc.assert(
      fc.property(config, (c) => {
        try {
          importHfModel({ 'config.json': JSON.stringify(c), 'model.safetensors': withHeader({}, 0) });
        } catch (error) {
          if (!(error instanceof HfImportError)) throw error;
          expect(error.file).not.toBe('');
        }
      }),
      RUNS,
    );
  });
});
