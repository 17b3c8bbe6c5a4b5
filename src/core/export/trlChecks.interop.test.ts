/**
 * The TRL recipe's pieces against the installed stack (`npm run test:scaleout`): its chat templates render exactly
 * the studio's prompt templates (single exchanges, inputs, conversations with an untrained answer), it tokenizes and
 * masks every row as the studio does (a token straddling the prompt/answer seam trained), accelerate loads
 * its configs, and transformers defines the training arguments the LLaMA-Factory YAMLs take from it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyTokenizerFiles } from '../hf/testing/hfFixtures';
import { planByCutoffs } from '../phases/plan';
import { makeRecord } from '../phases/testing/records';
import { bpeFromTokenizerJson } from '../tokenizer/bpeFromFiles';
import { END_OF_TEXT } from '../tokenizer/bpe';
import { encodeExample, renderTemplate, TEMPLATE_NAMES } from '../text/template';
import { responseMask } from '../text/masks';
import { runPython } from '../../testing/python.node';
import { LLAMA_FACTORY_HPARAMS } from './llamaFactoryFields';
import { scaleOutRecipe } from './scaleOut';
import { tempDirsRemovedAfterAll, writeTree } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();

const records = [
  makeRecord('a', 'reverse the word', 'stone', 'enots'),
  makeRecord('b', 'what is 2 + 3?', '', '5'),
  {
    ...makeRecord('c', 'and the last?', 'abc', 'c'),
    history: [
      { user: 'first letter of dog', assistant: 'd', trained: false as const },
      { user: 'and of cat', assistant: 'c' },
    ],
  },
  makeRecord('d', 'say "hi"\nthen stop', '', 'hi\n'),
  // " the" (a merge of the tiny BPE) takes in the paper prompt's last space: the seam token
  makeRecord('e', 'name a pet', '', 'the cat'),
];
const scores = [1, 1, 4, 4, 1];

describe('the TRL recipe against transformers, TRL and accelerate', () => {
  const plan = planByCutoffs(records, scores, [2], { scorerId: 'field', heldOut: { fraction: 0 } });

  for (const template of TEMPLATE_NAMES) {
    it(`the "${template}" chat template renders the studio's template, a prompt ends where the answer starts, and rows are masked as the studio masks them`, () => {
      const dir = tempDir();
      const files = scaleOutRecipe(plan, records, scores, { baseName: 'x', gpus: 2, promptTemplate: template });
      writeTree(dir, files);
      const tokDir = join(dir, 'tokenizer');
      mkdirSync(tokDir);
      const tokFiles = tinyTokenizerFiles().files;
      for (const [name, text] of Object.entries(tokFiles)) writeFileSync(join(tokDir, name), text);
      writeFileSync(
        join(tokDir, 'tokenizer_config.json'),
        JSON.stringify({
          tokenizer_class: 'GPT2Tokenizer',
          bos_token: END_OF_TEXT,
          eos_token: END_OF_TEXT,
          unk_token: END_OF_TEXT,
        }),
      );
      const rows = ['trl/data/x.phase-1.jsonl', 'trl/data/x.phase-2.jsonl'].flatMap((p) =>
        files
          .find((f) => f.fileName === p)!
          .text.trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { id: string; prompt?: unknown }),
      );
      const job = {
        tokenizer: tokDir,
        template,
        rows,
        accelerate_configs: [join(dir, 'trl/accelerate_multi_gpu.yaml'), join(dir, 'trl/accelerate_zero2.yaml')],
        training_keys: Object.keys(LLAMA_FACTORY_HPARAMS).filter(
          (k) => LLAMA_FACTORY_HPARAMS[k] === 'Seq2SeqTrainingArguments',
        ),
      };
      writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
      const out = JSON.parse(runPython('python/trl_recipe/check_recipe.py', [join(dir, 'job.json')])) as {
        rendered: string[];
        prompts: string[];
        accelerate: Record<string, unknown>[];
        missing_training_keys: string[];
        tokenized: { input_ids: number[]; completion_mask: number[] }[];
      };
      const special = (s: string) => s.replaceAll('<bos>', END_OF_TEXT).replaceAll('<eos>', END_OF_TEXT);
      const byId = new Map(records.map((r) => [r.id, r]));
      expect(out.rendered).toEqual(rows.map((r) => special(renderTemplate(template, byId.get(r.id)!))));
      const single = rows.filter((r) => r.prompt !== undefined);
      expect(out.prompts).toEqual(
        single.map((r) => {
          const full = special(renderTemplate(template, byId.get(r.id)!));
          return full.slice(0, full.length - byId.get(r.id)!.output.length - END_OF_TEXT.length);
        }),
      );
      const tokenizer = bpeFromTokenizerJson(tokFiles['tokenizer.json']);
      const studio = rows.map((r) => encodeExample(template, tokenizer, byId.get(r.id)!));
      expect(out.tokenized).toEqual(
        studio.map((e) => ({ input_ids: e.ids, completion_mask: Array.from(responseMask(e)) })),
      );
      if (template === 'paper') {
        // TRL's own rule would start the mask after the prompt's tokens (its last one the lone space)
        const promptAlone =
          1 + tokenizer.encode('User: name a pet').length + 1 + tokenizer.encode('\nAssistant: ').length;
        expect(studio[rows.findIndex((r) => r.id === 'e')]!.promptLength).toBe(promptAlone - 1);
      }
      expect(out.accelerate[0]).toMatchObject({ distributed_type: 'MULTI_GPU', num_processes: 2 });
      expect(out.accelerate[1]).toMatchObject({
        distributed_type: 'DEEPSPEED',
        num_processes: 2,
        deepspeed_config: { deepspeed_config_file: 'ds_zero2.json' },
      });
      // transformers 5 dropped warmup_ratio (LLaMA-Factory at ff6d4d1 caps transformers at 5.8.0); README says what to write instead
      expect(out.missing_training_keys).toEqual(['warmup_ratio']);
    });
  }
});
