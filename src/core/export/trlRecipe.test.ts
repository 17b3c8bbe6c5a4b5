import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planByCutoffs } from '../phases/plan';
import { makeRecord } from '../phases/testing/records';
import { PAPER_HYPER } from '../train/hyper';
import { LLAMA_FACTORY_COMMIT, LLAMA_FACTORY_HPARAMS, LLAMA_FACTORY_TRAIN_KEYS } from './llamaFactoryFields';
import { scaleOutHyperFromRun } from './scaleOutHyper';
import { scaleOutRecipe } from './scaleOut';
import { byName, pyyamlLoad, recipe, tempDirsRemovedAfterAll, writeTree, yamlOf } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();

interface RecipeJson {
  base_model: string;
  template: string;
  max_length: number;
  stages: { stage: number; phase: number; data: string; records: number; output_dir: string }[];
  one_off: { data: string; records: number } | null;
  held_out: { data: string; records: number } | null;
  hyper: Record<string, number | boolean>;
}

const ids = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
const recipeJson = (map: Map<string, string>) => JSON.parse(map.get('trl/recipe.json')!) as RecipeJson;

describe('the TRL recipe and the LLaMA-Factory recipe run the same experiment', () => {
  const map = byName(recipe({ order: [2, 1, 3] }));
  const trl = recipeJson(map);

  it('same records in the same order in every file: phases, the one-off baseline and the held-out set', () => {
    expect(trl.stages.map((s) => s.phase)).toEqual([2, 1, 3]);
    const lfStages = [...map.get('run_phased.sh')!.matchAll(/^run_stage \d+ \S+ (\S+)/gm)].map((m) => m[1]);
    expect(trl.stages.map((s) => s.data)).toEqual(lfStages);
    for (const s of trl.stages) {
      expect(ids(map.get(`trl/${s.data}`)!)).toEqual(ids(map.get(s.data)!));
      expect(ids(map.get(s.data)!)).toHaveLength(s.records);
    }
    expect(ids(map.get(`trl/${trl.one_off!.data}`)!)).toEqual(ids(map.get(trl.one_off!.data)!));
    expect(ids(map.get(`trl/${trl.held_out!.data}`)!)).toEqual(ids(map.get(trl.held_out!.data)!));
  });

  it('same hyper-parameters as every LLaMA-Factory YAML, under the same transformers names', () => {
    const shared = [
      'learning_rate',
      'num_train_epochs',
      'warmup_ratio',
      'weight_decay',
      'adam_beta1',
      'adam_beta2',
      'max_grad_norm',
      'per_device_train_batch_size',
      'gradient_accumulation_steps',
      'bf16',
      'seed',
      'logging_steps',
    ];
    const configs = [...map.keys()].filter((k) => /^configs\/.*\.yaml$/.test(k));
    expect(configs).toHaveLength(4);
    for (const path of configs) {
      const y = yamlOf(map, path);
      for (const key of shared) expect(trl.hyper[key], `${path}: ${key}`).toBe(y[key]);
      expect(y.cutoff_len).toBe(trl.max_length);
      expect(y.lr_scheduler_type).toBe('cosine');
    }
    expect(yamlOf(map, 'configs/stage-1_phase-2.yaml').model_name_or_path).toBe(trl.base_model);
    // what LLaMA-Factory's fresh launches do, and the paper
    expect(trl.hyper).toMatchObject({
      restart_schedule_per_phase: true,
      reset_optimizer_per_phase: true,
      min_lr_ratio: 0,
    });
  });

  // Checked against hiyouga/LLaMA-Factory at ff6d4d1 (src/llamafactory/hparams/*.py, 2026-08-18).
  it(`writes only keys LLaMA-Factory's hparams define (checked at ${LLAMA_FACTORY_COMMIT.slice(0, 7)})`, () => {
    expect(Object.keys(LLAMA_FACTORY_HPARAMS).sort()).toEqual(Object.keys(LLAMA_FACTORY_TRAIN_KEYS).sort());
    for (const path of [...map.keys()].filter((k) => /^configs\/.*\.yaml$/.test(k))) {
      for (const key of Object.keys(yamlOf(map, path)))
        expect(LLAMA_FACTORY_HPARAMS, `${path}: ${key}`).toHaveProperty([key]);
    }
  });
});

describe('the TRL recipe carries the run', () => {
  it('takes every setting of a studio run: spanning schedule, carried optimizer, min-LR floor, betas, eps, clip, batch, seed', () => {
    const run = {
      ...PAPER_HYPER,
      lr: 2e-3,
      minLrRatio: 0.1,
      restartSchedulePerPhase: false,
      resetOptimizerPerPhase: false,
      batchSize: 8,
      gradAccumulation: 4,
      clipNorm: 0,
      eps: 1e-6,
      beta2: 0.99,
      epochsPerPhase: 3,
    };
    const trl = recipeJson(byName(recipe({ hyper: scaleOutHyperFromRun(run, 5), promptTemplate: 'alpaca' })));
    expect(trl.template).toBe('alpaca');
    expect(trl.hyper).toEqual({
      learning_rate: 2e-3,
      num_train_epochs: 3,
      warmup_ratio: run.warmupRatio,
      min_lr_ratio: 0.1,
      restart_schedule_per_phase: false,
      reset_optimizer_per_phase: false,
      weight_decay: run.weightDecay,
      adam_beta1: run.beta1,
      adam_beta2: 0.99,
      adam_epsilon: 1e-6,
      max_grad_norm: 0,
      per_device_train_batch_size: 8,
      gradient_accumulation_steps: 4,
      bf16: true,
      seed: 5,
      logging_steps: 10,
    });
  });

  it("writes TRL's conversational rows: prompt/completion, and messages for a file holding a conversation", () => {
    const records = [
      makeRecord('a', 'say hi', 'x', 'hi'),
      makeRecord('b', 'say bye', '', 'bye'),
      {
        ...makeRecord('c', 'and now?', '', 'done'),
        history: [
          { user: 'first', assistant: 'one', trained: false as const },
          { user: 'second', assistant: 'two' },
        ],
      },
      makeRecord('d', 'four', '', '4'),
    ];
    const scores = [1, 1, 4, 4];
    const plan = planByCutoffs(records, scores, [2], { scorerId: 'field', heldOut: { fraction: 0 } });
    const map = byName(scaleOutRecipe(plan, records, scores, { baseName: 'chat' }));
    const rows = (p: string) =>
      map
        .get(p)!
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows('trl/data/chat.phase-1.jsonl')).toEqual([
      {
        id: 'a',
        phase: 1,
        score: 1,
        prompt: [{ role: 'user', content: 'say hi', input: 'x' }],
        completion: [{ role: 'assistant', content: 'hi' }],
      },
      {
        id: 'b',
        phase: 1,
        score: 1,
        prompt: [{ role: 'user', content: 'say bye', input: '' }],
        completion: [{ role: 'assistant', content: 'bye' }],
      },
    ]);
    expect(rows('trl/data/chat.phase-2.jsonl')).toEqual([
      {
        id: 'c',
        phase: 2,
        score: 4,
        messages: [
          { role: 'user', content: 'first', input: '' },
          { role: 'assistant', content: 'one', trained: false },
          { role: 'user', content: 'second', input: '' },
          { role: 'assistant', content: 'two' },
          { role: 'user', content: 'and now?', input: '' },
          { role: 'assistant', content: 'done' },
        ],
      },
      {
        id: 'd',
        phase: 2,
        score: 4,
        messages: [
          { role: 'user', content: 'four', input: '' },
          { role: 'assistant', content: '4' },
        ],
      },
    ]);
  });

  it('ships a script Python compiles and accelerate configs PyYAML reads', () => {
    const files = recipe({ gpus: 4 });
    const map = byName(files);
    const dir = tempDir();
    writeTree(dir, files);
    const res = spawnSync('python3', ['-m', 'py_compile', join(dir, 'trl/train_phased.py')], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(pyyamlLoad(map.get('trl/accelerate_multi_gpu.yaml')!)).toMatchObject({
      distributed_type: 'MULTI_GPU',
      num_processes: 4,
      mixed_precision: 'bf16',
      downcast_bf16: 'no',
    });
    expect(pyyamlLoad(map.get('trl/accelerate_zero2.yaml')!)).toMatchObject({
      distributed_type: 'DEEPSPEED',
      num_processes: 4,
      deepspeed_config: { deepspeed_config_file: 'ds_zero2.json', zero3_init_flag: false },
    });
    expect(
      (JSON.parse(map.get('trl/ds_zero2.json')!) as { zero_optimization: { stage: number } }).zero_optimization.stage,
    ).toBe(2);
    expect(map.get('trl/requirements.txt')).toMatch(/^trl==\d/m);
  });
});
