import { describe, expect, it } from 'vitest';
import { phaseJsonlFiles } from '../phases/export';
import {
  DATASET_INFO_COLUMN_KEYS,
  DATASET_INFO_KEYS,
  DEEPSPEED_KEYS,
  LLAMA_FACTORY_TRAIN_KEYS,
} from './llamaFactoryFields';
import { planByCutoffs } from '../phases/plan';
import { makeRecords } from '../phases/testing/records';
import { DEFAULT_BASE_MODEL, PAPER_RECIPE_HYPER, resolveScaleOut, scaleOutRecipe } from './scaleOut';
import {
  byName,
  parseYamlBothVersions,
  plan,
  pyyamlLoad,
  recipe,
  records,
  scores,
  yamlOf,
  type DatasetInfo,
} from './testing/recipe';

/** The LLaMA-Factory recipe's files: everything but the TRL recipe in trl/ (trlRecipe.test.ts). */
const llamaFactoryFiles = (all: ReturnType<typeof recipe>) => all.filter((f) => !f.fileName.startsWith('trl/'));

describe('scale-out recipe: files and values', () => {
  const all = recipe();
  const files = llamaFactoryFiles(all);
  const map = byName(files);
  const r = resolveScaleOut(plan, { baseName: 'alpaca_data.json' });

  it('writes the data, the registry, one config per stage, the one-off config, DeepSpeed, the scripts and a README', () => {
    expect(files.map((f) => f.fileName)).toEqual([
      'README.md',
      'data/dataset_info.json',
      'data/alpaca_data.phase-1.jsonl',
      'data/alpaca_data.phase-2.jsonl',
      'data/alpaca_data.phase-3.jsonl',
      'data/alpaca_data.one-off.jsonl',
      'data/alpaca_data.held-out.jsonl',
      'configs/stage-1_phase-1.yaml',
      'configs/stage-2_phase-2.yaml',
      'configs/stage-3_phase-3.yaml',
      'configs/one-off.yaml',
      'configs/ds_z3_config.json',
      'run_phased.sh',
      'run_oneoff.sh',
    ]);
    expect(all.map((f) => f.fileName).filter((n) => n.startsWith('trl/'))).toEqual([
      'trl/README.md',
      'trl/data/alpaca_data.phase-1.jsonl',
      'trl/data/alpaca_data.phase-2.jsonl',
      'trl/data/alpaca_data.phase-3.jsonl',
      'trl/data/alpaca_data.one-off.jsonl',
      'trl/data/alpaca_data.held-out.jsonl',
      'trl/recipe.json',
      'trl/train_phased.py',
      'trl/requirements.txt',
      'trl/accelerate_multi_gpu.yaml',
      'trl/accelerate_zero2.yaml',
      'trl/ds_zero2.json',
    ]);
    expect(r.folder).toBe('alpaca_data-scale-out');
    for (const f of all) expect(f.text.endsWith('\n'), f.fileName).toBe(true);
  });

  it("sets the paper's hyper-parameters, full fine-tuning, SFT and the DeepSpeed config in every training YAML", () => {
    for (const path of [
      'configs/stage-1_phase-1.yaml',
      'configs/stage-2_phase-2.yaml',
      'configs/stage-3_phase-3.yaml',
      'configs/one-off.yaml',
    ]) {
      expect(yamlOf(map, path)).toMatchObject({
        stage: 'sft',
        do_train: true,
        finetuning_type: 'full',
        deepspeed: 'configs/ds_z3_config.json',
        dataset_dir: 'data',
        template: 'default',
        cutoff_len: 2048,
        per_device_train_batch_size: 16,
        gradient_accumulation_steps: 1,
        learning_rate: 5e-6,
        num_train_epochs: 2,
        lr_scheduler_type: 'cosine',
        warmup_ratio: 0.1,
        weight_decay: 0.1,
        adam_beta1: 0.9,
        adam_beta2: 0.95,
        max_grad_norm: 1,
        bf16: true,
        save_strategy: 'no',
        overwrite_output_dir: true,
      });
    }
    // PyYAML (YAML 1.1) would read 5e-6 as a string and a bare no as false; both are written safely
    expect(map.get('configs/stage-1_phase-1.yaml')).toContain('learning_rate: 5.0e-6\n');
    expect(map.get('configs/stage-1_phase-1.yaml')).toContain('save_strategy: "no"');
  });

  it('uses only documented LLaMA-Factory / transformers keys, each with its reference', () => {
    for (const ref of Object.values({
      ...LLAMA_FACTORY_TRAIN_KEYS,
      ...DATASET_INFO_KEYS,
      ...DATASET_INFO_COLUMN_KEYS,
      ...DEEPSPEED_KEYS,
    })) {
      expect(ref.length).toBeGreaterThan(10);
    }
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      for (const key of Object.keys(parseYamlBothVersions(f.text)))
        expect(LLAMA_FACTORY_TRAIN_KEYS, `${f.fileName}: ${key}`).toHaveProperty([key]);
    }
    const info = JSON.parse(map.get('data/dataset_info.json')!) as DatasetInfo;
    for (const entry of Object.values(info)) {
      for (const key of Object.keys(entry)) expect(DATASET_INFO_KEYS).toHaveProperty([key]);
      for (const key of Object.keys(entry.columns)) expect(DATASET_INFO_COLUMN_KEYS).toHaveProperty([key]);
      expect(entry).toEqual({
        file_name: entry.file_name,
        formatting: 'alpaca',
        columns: { prompt: 'instruction', query: 'input', response: 'output' },
      });
    }
    const walk = (o: unknown): string[] =>
      o !== null && typeof o === 'object' ? Object.entries(o).flatMap(([k, v]) => [k, ...walk(v)]) : [];
    const ds = JSON.parse(map.get('configs/ds_z3_config.json')!) as {
      zero_optimization: { stage: number };
      gradient_clipping: string;
    };
    for (const key of walk(ds)) expect(DEEPSPEED_KEYS).toHaveProperty([key]);
    expect(ds.zero_optimization.stage).toBe(3);
    expect(ds.gradient_clipping).toBe('auto');
  });

  it('chains the stages: stage k starts from stage k−1 output_dir, stage 1 from the base model', () => {
    const stages = [1, 2, 3].map((k) => yamlOf(map, `configs/stage-${k}_phase-${k}.yaml`));
    expect(stages[0]!.model_name_or_path).toBe(DEFAULT_BASE_MODEL);
    for (let k = 1; k < stages.length; k++) expect(stages[k]!.model_name_or_path).toBe(stages[k - 1]!.output_dir);
    expect(new Set(stages.map((s) => s.output_dir)).size).toBe(3);
    expect(yamlOf(map, 'configs/one-off.yaml')).toMatchObject({
      model_name_or_path: DEFAULT_BASE_MODEL,
      output_dir: 'saves/one-off',
    });
    expect(r.stages.map((s) => [s.modelFrom, s.outputDir])).toEqual([
      [DEFAULT_BASE_MODEL, 'saves/stage-1_phase-1'],
      ['saves/stage-1_phase-1', 'saves/stage-2_phase-2'],
      ['saves/stage-2_phase-2', 'saves/stage-3_phase-3'],
    ]);
  });

  it('registers every dataset a config names, and every registered file_name is a JSONL file of the recipe', () => {
    const info = JSON.parse(map.get('data/dataset_info.json')!) as DatasetInfo;
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      const y = parseYamlBothVersions(f.text);
      for (const name of String(y.dataset).split(',')) expect(info, `${f.fileName}: ${name}`).toHaveProperty([name]);
    }
    const registered = Object.values(info)
      .map((e) => `data/${e.file_name}`)
      .sort();
    const jsonl = files
      .filter((f) => f.fileName.endsWith('.jsonl'))
      .map((f) => f.fileName)
      .sort();
    expect(registered).toEqual(jsonl);
  });

  it('writes the phase files exactly as the phases screen exports them, and the held-out set apart', () => {
    const mine = phaseJsonlFiles(plan, records, scores, { baseName: 'alpaca_data' });
    for (const f of mine) expect(map.get(`data/${f.fileName}`)).toBe(f.text);
    const line = JSON.parse(map.get('data/alpaca_data.phase-1.jsonl')!.split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['instruction', 'input', 'output', 'score', 'phase', 'id']);
  });

  it('one-off: every training record of every phase once, shuffled (seeded), none held out', () => {
    const lines = (p: string) => map.get(p)!.split('\n').filter(Boolean);
    const phases = [1, 2, 3].flatMap((k) => lines(`data/alpaca_data.phase-${k}.jsonl`));
    const oneOff = lines('data/alpaca_data.one-off.jsonl');
    expect([...oneOff].sort()).toEqual([...phases].sort());
    expect(oneOff).not.toEqual(phases);
    expect(new Set(oneOff.map((l) => (JSON.parse(l) as { phase: number }).phase))).toEqual(new Set([1, 2, 3]));
    const heldIds = new Set(lines('data/alpaca_data.held-out.jsonl').map((l) => (JSON.parse(l) as { id: string }).id));
    expect(heldIds.size).toBe(plan.heldOut.recordIds.length);
    for (const l of oneOff) expect(heldIds.has((JSON.parse(l) as { id: string }).id)).toBe(false);
    expect(byName(recipe()).get('data/alpaca_data.one-off.jsonl')).toBe(map.get('data/alpaca_data.one-off.jsonl'));
    expect(yamlOf(map, 'configs/one-off.yaml')).toMatchObject({
      dataset: 'alpaca_data_one_off',
      num_train_epochs: PAPER_RECIPE_HYPER.epochsPerStage,
    });
  });

  it('PyYAML, which LLaMA-Factory uses, reads every config as YAML 1.1 and 1.2 do', () => {
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      expect(pyyamlLoad(f.text), f.fileName).toEqual(parseYamlBothVersions(f.text));
    }
  });
});

describe('scale-out recipe: options', () => {
  it('honours a custom order [2, 1, 3]: stage 1 trains phase 2, and the chain follows the order', () => {
    const map = byName(recipe({ order: [2, 1, 3] }));
    expect([...map.keys()].filter((k) => k.startsWith('configs/stage'))).toEqual([
      'configs/stage-1_phase-2.yaml',
      'configs/stage-2_phase-1.yaml',
      'configs/stage-3_phase-3.yaml',
    ]);
    const s1 = yamlOf(map, 'configs/stage-1_phase-2.yaml');
    const s2 = yamlOf(map, 'configs/stage-2_phase-1.yaml');
    const s3 = yamlOf(map, 'configs/stage-3_phase-3.yaml');
    expect(s1).toMatchObject({
      model_name_or_path: DEFAULT_BASE_MODEL,
      dataset: 'alpaca_data_phase_2',
      output_dir: 'saves/stage-1_phase-2',
    });
    expect(s2).toMatchObject({ model_name_or_path: 'saves/stage-1_phase-2', dataset: 'alpaca_data_phase_1' });
    expect(s3).toMatchObject({ model_name_or_path: s2.output_dir, dataset: 'alpaca_data_phase_3' });
    const order = [...map.get('run_phased.sh')!.matchAll(/^run_stage \d+ (\S+)/gm)].map((m) => m[1]);
    expect(order).toEqual([
      'configs/stage-1_phase-2.yaml',
      'configs/stage-2_phase-1.yaml',
      'configs/stage-3_phase-3.yaml',
    ]);
    // the one-off baseline still covers every phase
    const oneOff = map.get('data/alpaca_data.one-off.jsonl')!.split('\n').filter(Boolean);
    expect(oneOff).toHaveLength(plan.phases.reduce((s, p) => s + p.recordIds.length, 0));
  });

  it('carries base model, template, GPUs, ZeRO-2 and hyper-parameter overrides into the files', () => {
    const map = byName(
      recipe({
        baseModel: 'meta-llama/Meta-Llama-3-8B',
        template: 'llama3',
        gpus: 4,
        deepspeed: 'z2',
        hyper: { learningRate: 1e-5, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 4 },
      }),
    );
    const s1 = yamlOf(map, 'configs/stage-1_phase-1.yaml');
    expect(s1).toMatchObject({
      model_name_or_path: 'meta-llama/Meta-Llama-3-8B',
      template: 'llama3',
      deepspeed: 'configs/ds_z2_config.json',
      learning_rate: 1e-5,
      per_device_train_batch_size: 4,
      gradient_accumulation_steps: 4,
      weight_decay: 0.1,
    });
    expect(map.get('configs/stage-1_phase-1.yaml')).toContain('learning_rate: 1.0e-5\n');
    expect(map.has('configs/ds_z3_config.json')).toBe(false);
    expect(
      (JSON.parse(map.get('configs/ds_z2_config.json')!) as { zero_optimization: { stage: number } }).zero_optimization
        .stage,
    ).toBe(2);
    expect(map.get('run_phased.sh')).toContain('export NPROC_PER_NODE="${NPROC_PER_NODE:-4}"');
    expect(map.get('README.md')).toContain('(64 on 4 GPUs)');
  });

  it('leaves the one-off baseline out when asked', () => {
    const files = recipe({ includeOneOff: false });
    const names = files.map((f) => f.fileName);
    expect(names.some((n) => n.includes('one-off') || n === 'run_oneoff.sh')).toBe(false);
    const info = JSON.parse(byName(files).get('data/dataset_info.json')!) as DatasetInfo;
    expect(Object.keys(info)).toEqual([
      'alpaca_data_phase_1',
      'alpaca_data_phase_2',
      'alpaca_data_phase_3',
      'alpaca_data_held_out',
    ]);
    expect(byName(files).get('README.md')).not.toContain('run_oneoff.sh');
  });
});

describe('scale-out recipe with nothing held out', () => {
  it('writes no held-out file and registers none, and the README says so', () => {
    const records = makeRecords(12);
    const scores = records.map((_, i) => 1 + (i % 3) * 1.5);
    const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0 } });
    const files = scaleOutRecipe(plan, records, scores);
    expect(files.map((f) => f.fileName).filter((n) => n.includes('held-out'))).toEqual([]);
    expect(JSON.parse(files.find((f) => f.fileName === 'data/dataset_info.json')!.text)).not.toHaveProperty(
      'dataset_held_out',
    );
    expect(files.find((f) => f.fileName === 'README.md')!.text).toContain(
      'Nothing is held out (the held-out share was 0)',
    );
    const withHeldOut = scaleOutRecipe(
      planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.25 } }),
      records,
      scores,
    );
    expect(JSON.parse(withHeldOut.find((f) => f.fileName === 'data/dataset_info.json')!.text)).toHaveProperty(
      'dataset_held_out',
    );
  });
});
