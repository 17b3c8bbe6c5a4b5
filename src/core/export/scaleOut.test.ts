import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { phaseJsonlFiles } from '../phases/export';
import { planByCutoffs } from '../phases/plan';
import { makeRecord } from '../phases/testing';
import { DATASET_INFO_COLUMN_KEYS, DATASET_INFO_KEYS, DEEPSPEED_KEYS, LLAMA_FACTORY_TRAIN_KEYS } from './llamaFactoryFields';
import {
  bundleScript,
  DEFAULT_BASE_MODEL,
  DONE_MARKER,
  flatDownloadName,
  PAPER_HYPER,
  resolveScaleOut,
  ScaleOutError,
  scaleOutRecipe,
  shellWord,
  type ExportFile,
  type ScaleOutOptions,
} from './scaleOut';
import { parseSimpleYaml, type YamlValue } from './yaml';

// 30 records, 10 per phase, with awkward text (quotes, newlines, a YAML-ish "no: yes") to carry through unchanged.
const records = Array.from({ length: 30 }, (_, i) =>
  makeRecord(`r${i}`, i === 4 ? 'say "no: yes" # twice' : `task ${i}`, i % 3 === 0 ? `input\nline ${i}` : '', `answer ${i}`),
);
const scores = records.map((_, i) => [1, 2.5, 4.25][i % 3]!);
const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.2 } });

function recipe(options: ScaleOutOptions = {}): ExportFile[] {
  return scaleOutRecipe(plan, records, scores, { baseName: 'alpaca_data.json', ...options });
}

function byName(files: readonly ExportFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.fileName, f.text]));
}

function yamlOf(files: Map<string, string>, path: string): Record<string, YamlValue> {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no ${path}`);
  return parseSimpleYaml(text);
}

type DatasetInfo = Record<string, { file_name: string; formatting: string; columns: Record<string, string> }>;

const tmpRoots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  tmpRoots.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

function writeTree(root: string, files: readonly ExportFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.fileName)), { recursive: true });
    writeFileSync(join(root, f.fileName), f.text);
  }
}

const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;

describe('scale-out recipe: files and values', () => {
  const files = recipe();
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
    expect(r.folder).toBe('alpaca_data-scale-out');
    for (const f of files) expect(f.text.endsWith('\n'), f.fileName).toBe(true);
  });

  it("sets the paper's hyper-parameters, full fine-tuning, SFT and the DeepSpeed config in every training YAML", () => {
    for (const path of ['configs/stage-1_phase-1.yaml', 'configs/stage-2_phase-2.yaml', 'configs/stage-3_phase-3.yaml', 'configs/one-off.yaml']) {
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
    for (const ref of Object.values({ ...LLAMA_FACTORY_TRAIN_KEYS, ...DATASET_INFO_KEYS, ...DATASET_INFO_COLUMN_KEYS, ...DEEPSPEED_KEYS })) {
      expect(ref.length).toBeGreaterThan(10);
    }
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      for (const key of Object.keys(parseSimpleYaml(f.text))) expect(LLAMA_FACTORY_TRAIN_KEYS, `${f.fileName}: ${key}`).toHaveProperty([key]);
    }
    const info = JSON.parse(map.get('data/dataset_info.json')!) as DatasetInfo;
    for (const entry of Object.values(info)) {
      for (const key of Object.keys(entry)) expect(DATASET_INFO_KEYS).toHaveProperty([key]);
      for (const key of Object.keys(entry.columns)) expect(DATASET_INFO_COLUMN_KEYS).toHaveProperty([key]);
      expect(entry).toEqual({ file_name: entry.file_name, formatting: 'alpaca', columns: { prompt: 'instruction', query: 'input', response: 'output' } });
    }
    const walk = (o: unknown): string[] =>
      o !== null && typeof o === 'object' ? Object.entries(o).flatMap(([k, v]) => [k, ...walk(v)]) : [];
    const ds = JSON.parse(map.get('configs/ds_z3_config.json')!) as { zero_optimization: { stage: number }; gradient_clipping: string };
    for (const key of walk(ds)) expect(DEEPSPEED_KEYS).toHaveProperty([key]);
    expect(ds.zero_optimization.stage).toBe(3);
    expect(ds.gradient_clipping).toBe('auto');
  });

  it('chains the stages: stage k starts from stage k−1 output_dir, stage 1 from the base model', () => {
    const stages = [1, 2, 3].map((k) => yamlOf(map, `configs/stage-${k}_phase-${k}.yaml`));
    expect(stages[0]!.model_name_or_path).toBe(DEFAULT_BASE_MODEL);
    for (let k = 1; k < stages.length; k++) expect(stages[k]!.model_name_or_path).toBe(stages[k - 1]!.output_dir);
    expect(new Set(stages.map((s) => s.output_dir)).size).toBe(3);
    expect(yamlOf(map, 'configs/one-off.yaml')).toMatchObject({ model_name_or_path: DEFAULT_BASE_MODEL, output_dir: 'saves/one-off' });
    expect(r.stages.map((s) => [s.modelFrom, s.outputDir])).toEqual([
      [DEFAULT_BASE_MODEL, 'saves/stage-1_phase-1'],
      ['saves/stage-1_phase-1', 'saves/stage-2_phase-2'],
      ['saves/stage-2_phase-2', 'saves/stage-3_phase-3'],
    ]);
  });

  it('registers every dataset a config names, and every registered file_name is a JSONL file of the recipe', () => {
    const info = JSON.parse(map.get('data/dataset_info.json')!) as DatasetInfo;
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      const y = parseSimpleYaml(f.text);
      for (const name of String(y.dataset).split(',')) expect(info, `${f.fileName}: ${name}`).toHaveProperty([name]);
    }
    const registered = Object.values(info).map((e) => `data/${e.file_name}`).sort();
    const jsonl = files.filter((f) => f.fileName.endsWith('.jsonl')).map((f) => f.fileName).sort();
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
    expect(yamlOf(map, 'configs/one-off.yaml')).toMatchObject({ dataset: 'alpaca_data_one_off', num_train_epochs: PAPER_HYPER.epochsPerStage });
  });

  it('the shell scripts run the YAMLs in stage order and name only files of the recipe', () => {
    const script = map.get('run_phased.sh')!;
    const calls = [...script.matchAll(/^run_stage (\d+) (\S+) (\S+) (\S+) (\S+)$/gm)].map((m) => m.slice(1));
    expect(calls).toEqual(
      r.stages.map((s) => [String(s.stage), s.config, `data/${s.dataFile}`, s.stage === 1 ? '-' : s.modelFrom, s.outputDir]),
    );
    for (const name of ['run_phased.sh', 'run_oneoff.sh']) {
      for (const m of map.get(name)!.matchAll(/\b(?:data|configs)\/[A-Za-z0-9._/-]+/g)) expect(map.has(m[0]), `${name}: ${m[0]}`).toBe(true);
    }
    expect(map.get('run_oneoff.sh')).toMatch(/^run_stage 1 configs\/one-off\.yaml data\/alpaca_data\.one-off\.jsonl - saves\/one-off$/m);
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('export NPROC_PER_NODE="${NPROC_PER_NODE:-8}"');
  });

  it.skipIf(spawnSync('python3', ['-c', 'import yaml']).status !== 0)('PyYAML, which LLaMA-Factory uses, reads every config as the test parser does', () => {
    for (const f of files.filter((x) => x.fileName.endsWith('.yaml'))) {
      const py = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: f.text, encoding: 'utf8' });
      expect(py.status, py.stderr).toBe(0);
      expect(JSON.parse(py.stdout), f.fileName).toEqual(parseSimpleYaml(f.text));
    }
  });

  it("README explains the files, the paper's settings and that LR 5e-6 is for 7B–70B full fine-tuning", () => {
    const readme = map.get('README.md')!;
    for (const f of files) expect(readme, f.fileName).toContain(`\`${f.fileName}\``);
    expect(readme).toMatch(/LR 5e-6 is the paper's value for full fine-tuning of 7B–70B models/);
    expect(readme).toContain('| AdamW β | `adam_beta1, adam_beta2` | (0.9, 0.95) | (0.9, 0.95) |');
    expect(readme).toContain(flatDownloadName(r.folder, 'data/dataset_info.json'));
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
    expect(s1).toMatchObject({ model_name_or_path: DEFAULT_BASE_MODEL, dataset: 'alpaca_data_phase_2', output_dir: 'saves/stage-1_phase-2' });
    expect(s2).toMatchObject({ model_name_or_path: 'saves/stage-1_phase-2', dataset: 'alpaca_data_phase_1' });
    expect(s3).toMatchObject({ model_name_or_path: s2.output_dir, dataset: 'alpaca_data_phase_3' });
    const order = [...map.get('run_phased.sh')!.matchAll(/^run_stage \d+ (\S+)/gm)].map((m) => m[1]);
    expect(order).toEqual(['configs/stage-1_phase-2.yaml', 'configs/stage-2_phase-1.yaml', 'configs/stage-3_phase-3.yaml']);
    // the one-off baseline still covers every phase
    const oneOff = map.get('data/alpaca_data.one-off.jsonl')!.split('\n').filter(Boolean);
    expect(oneOff).toHaveLength(plan.phases.reduce((s, p) => s + p.recordIds.length, 0));
  });

  it('carries base model, template, GPUs, ZeRO-2 and hyper-parameter overrides into the files', () => {
    const map = byName(
      recipe({ baseModel: 'meta-llama/Meta-Llama-3-8B', template: 'llama3', gpus: 4, deepspeed: 'z2', hyper: { learningRate: 1e-5, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 4 } }),
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
    expect((JSON.parse(map.get('configs/ds_z2_config.json')!) as { zero_optimization: { stage: number } }).zero_optimization.stage).toBe(2);
    expect(map.get('run_phased.sh')).toContain('export NPROC_PER_NODE="${NPROC_PER_NODE:-4}"');
    expect(map.get('README.md')).toContain('(64 on 4 GPUs)');
  });

  it('leaves the one-off baseline out when asked', () => {
    const files = recipe({ includeOneOff: false });
    const names = files.map((f) => f.fileName);
    expect(names.some((n) => n.includes('one-off') || n === 'run_oneoff.sh')).toBe(false);
    const info = JSON.parse(byName(files).get('data/dataset_info.json')!) as DatasetInfo;
    expect(Object.keys(info)).toEqual(['alpaca_data_phase_1', 'alpaca_data_phase_2', 'alpaca_data_phase_3', 'alpaca_data_held_out']);
    expect(byName(files).get('README.md')).not.toContain('run_oneoff.sh');
  });

  it('makes names safe and never puts "__" in a path, so flat download names can be undone', () => {
    const r = resolveScaleOut(plan, { baseName: '../my__data set.jsonl' });
    expect(r.base).toBe('my_data-set');
    expect(r.folder).toBe('my_data-set-scale-out');
    for (const f of recipe({ baseName: '../my__data set.jsonl' })) expect(f.fileName).not.toContain('__');
    expect(flatDownloadName('x-scale-out', 'data/a.jsonl')).toBe('x-scale-out__data__a.jsonl');
  });

  it('refuses options that cannot make a working recipe, saying what to do', () => {
    const bad: [ScaleOutOptions, RegExp][] = [
      [{ order: [1, 2] }, /each of the 3 phases exactly once/],
      [{ order: [1, 1, 3] }, /exactly once/],
      [{ order: [0, 1, 2] }, /exactly once/],
      [{ gpus: 0 }, /GPUs/],
      [{ template: 'llama 2' }, /template/],
      [{ baseModel: '  ' }, /base model/],
      [{ hyper: { learningRate: 0 } }, /learningRate/],
      [{ hyper: { warmupRatio: 1 } }, /warmupRatio/],
      [{ hyper: { perDeviceTrainBatchSize: 2.5 } }, /perDeviceTrainBatchSize/],
      [{ hyper: { lrSchedulerType: 'cosine_annealing' } }, /lr_scheduler_type/],
    ];
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        recipe(options);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(ScaleOutError);
      expect((error as ScaleOutError).message).toMatch(message);
      expect((error as ScaleOutError).hint.length).toBeGreaterThan(10);
    }
  });

  it('refuses a plan with an empty phase (LLaMA-Factory cannot train on an empty dataset)', () => {
    const sparse = planByCutoffs(records.slice(0, 2), [1, 4.5], [1.5, 3.5], { scorerId: 'field' });
    expect(() => scaleOutRecipe(sparse, records.slice(0, 2), [1, 4.5])).toThrow(/Phase 2 has no training records/);
  });

  it('quotes shell words that need it', () => {
    expect(shellWord('saves/stage-1_phase-1')).toBe('saves/stage-1_phase-1');
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe.skipIf(!hasBash)('scale-out recipe: the scripts under bash', () => {
  const files = recipe();

  it('bash -n accepts run_phased.sh and run_oneoff.sh', () => {
    const dir = tempDir();
    writeTree(dir, files);
    for (const name of ['run_phased.sh', 'run_oneoff.sh']) {
      const res = spawnSync('bash', ['-n', join(dir, name)], { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
    }
  });

  // A stand-in for llamafactory-cli: logs each call, refuses a missing starting model, saves a "model".
  const STUB = [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    '[[ "$1" == train ]] || { echo "stub: unexpected command $1" >&2; exit 2; }',
    'config="$2"',
    'out="$(sed -n "s/^output_dir: //p" "$config")"',
    'model="$(sed -n "s/^model_name_or_path: //p" "$config")"',
    'echo "$config|$model|$out|$FORCE_TORCHRUN|$NPROC_PER_NODE" >> "$STUB_LOG"',
    'if [[ "$model" == saves/* && ! -f "$model/config.json" ]]; then echo "stub: no model in $model" >&2; exit 3; fi',
    'mkdir -p "$out"',
    'if [[ -z "${STUB_NO_SAVE:-}" ]]; then echo "{}" > "$out/config.json"; fi',
    '',
  ].join('\n');

  function setup(): { dir: string; log: string; run: (script: string, extraEnv?: Record<string, string>) => SpawnSyncReturns<string>; calls: () => string[] } {
    const root = tempDir();
    const dir = join(root, 'recipe');
    writeTree(dir, files);
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'llamafactory-cli'), STUB);
    chmodSync(join(bin, 'llamafactory-cli'), 0o755);
    const log = join(root, 'calls.log');
    writeFileSync(log, '');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'FORCE_TORCHRUN' && k !== 'NPROC_PER_NODE') env[k] = v;
    const run = (script: string, extraEnv: Record<string, string> = {}) =>
      // from another directory: the script must find its files itself
      spawnSync('bash', [join(dir, script)], { cwd: root, encoding: 'utf8', env: { ...env, PATH: `${bin}:${env.PATH ?? ''}`, STUB_LOG: log, ...extraEnv } });
    return { dir, log, run, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }

  it('run_phased.sh trains the stages in order, each from the previous output, and skips finished stages on a re-run', () => {
    const { dir, run, calls } = setup();
    const first = run('run_phased.sh');
    expect(first.status, first.stderr).toBe(0);
    expect(calls()).toEqual([
      `configs/stage-1_phase-1.yaml|${DEFAULT_BASE_MODEL}|saves/stage-1_phase-1|1|8`,
      'configs/stage-2_phase-2.yaml|saves/stage-1_phase-1|saves/stage-2_phase-2|1|8',
      'configs/stage-3_phase-3.yaml|saves/stage-2_phase-2|saves/stage-3_phase-3|1|8',
    ]);
    for (const k of [1, 2, 3]) expect(existsSync(join(dir, `saves/stage-${k}_phase-${k}`, DONE_MARKER))).toBe(true);
    expect(first.stdout).toContain('Done: the final model is in saves/stage-3_phase-3');

    const again = run('run_phased.sh');
    expect(again.status, again.stderr).toBe(0);
    expect(calls()).toHaveLength(3);
    expect(again.stdout).toContain('skipping');

    // a changed config must not be skipped silently, nor overwrite the trained model
    appendFileSync(join(dir, 'configs/stage-2_phase-2.yaml'), '# edited\n');
    const changed = run('run_phased.sh');
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain('saves/stage-2_phase-2 holds a model trained from other inputs');
    expect(calls()).toHaveLength(3);

    // after deleting it, stage 2 trains again, and stage 3 (whose starting model changed) is not skipped either
    rmSync(join(dir, 'saves/stage-2_phase-2'), { recursive: true });
    rmSync(join(dir, 'saves/stage-3_phase-3'), { recursive: true });
    const retrain = run('run_phased.sh');
    expect(retrain.status, retrain.stderr).toBe(0);
    expect(calls().slice(3).map((c) => c.split('|')[0])).toEqual(['configs/stage-2_phase-2.yaml', 'configs/stage-3_phase-3.yaml']);
  });

  it('run_phased.sh stops when a stage saves no model, and names the missing pieces', () => {
    const a = setup();
    const noSave = a.run('run_phased.sh', { STUB_NO_SAVE: '1' });
    expect(noSave.status).toBe(1);
    expect(noSave.stderr).toContain('stage 1 ended without a saved model in saves/stage-1_phase-1');
    expect(a.calls()).toHaveLength(1);

    const b = setup();
    rmSync(join(b.dir, 'data/alpaca_data.phase-2.jsonl'));
    const missing = b.run('run_phased.sh');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('data/alpaca_data.phase-2.jsonl is missing');
    expect(b.calls()).toHaveLength(0);

    const noCli = b.run('run_phased.sh', { PATH: '/usr/bin:/bin' });
    expect(noCli.status).toBe(1);
    expect(noCli.stderr).toContain('llamafactory-cli is not on PATH');
  });

  it('run_oneoff.sh trains once on the shuffled union from the base model; NPROC_PER_NODE can be overridden', () => {
    const { run, calls } = setup();
    const res = run('run_oneoff.sh', { NPROC_PER_NODE: '2' });
    expect(res.status, res.stderr).toBe(0);
    expect(calls()).toEqual([`configs/one-off.yaml|${DEFAULT_BASE_MODEL}|saves/one-off|1|2`]);
  });

  it('bundle.sh passes bash -n and recreates every file byte for byte, and refuses to overwrite a folder', () => {
    const folder = resolveScaleOut(plan, { baseName: 'alpaca_data.json' }).folder;
    const bundle = bundleScript(files, folder);
    expect(bundle.fileName).toBe('alpaca_data-scale-out.bundle.sh');
    expect(files[0]!.text).toContain('bash alpaca_data-scale-out.bundle.sh');
    const dir = tempDir();
    writeFileSync(join(dir, 'bundle.sh'), bundle.text);
    expect(spawnSync('bash', ['-n', join(dir, 'bundle.sh')]).status).toBe(0);
    const res = spawnSync('bash', ['bundle.sh'], { cwd: dir, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    for (const f of files) expect(readFileSync(join(dir, folder, f.fileName), 'utf8'), f.fileName).toBe(f.text);
    expect(spawnSync('test', ['-x', join(dir, folder, 'run_phased.sh')]).status).toBe(0);
    const again = spawnSync('bash', ['bundle.sh'], { cwd: dir, encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(spawnSync('bash', ['bundle.sh', 'elsewhere'], { cwd: dir }).status).toBe(0);
    expect(readFileSync(join(dir, 'elsewhere', 'README.md'), 'utf8')).toBe(files[0]!.text);
  });

  it('bundle.sh picks a delimiter no file contains, keeps $ and backticks literal, and writes empty files', () => {
    const tricky: ExportFile[] = [
      { fileName: 'a.txt', text: 'PHASED_IFT_EOF\n$HOME `whoami` \\n $(echo hi)\n' },
      { fileName: 'sub/empty.jsonl', text: '' },
    ];
    const bundle = bundleScript(tricky, 'out');
    expect(bundle.text).toContain("<<'PHASED_IFT_EOF_1'");
    const dir = tempDir();
    writeFileSync(join(dir, 'bundle.sh'), bundle.text);
    const res = spawnSync('bash', ['bundle.sh'], { cwd: dir, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out/a.txt'), 'utf8')).toBe(tricky[0]!.text);
    expect(readFileSync(join(dir, 'out/sub/empty.jsonl'), 'utf8')).toBe('');
    expect(() => bundleScript([{ fileName: '../x', text: '' }], 'out')).toThrow(/safe relative path/);
    expect(() => bundleScript([{ fileName: 'x', text: 'no newline' }], 'out')).toThrow(/newline/);
  });

  it("README's snippet rebuilds the folder from the flat download names", () => {
    const r = resolveScaleOut(plan, { baseName: 'alpaca_data.json' });
    const readme = files[0]!.text;
    const snippet = /rebuild the tree with:\n\n```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const dir = tempDir();
    for (const f of files) writeFileSync(join(dir, flatDownloadName(r.folder, f.fileName)), f.text);
    const res = spawnSync('bash', ['-c', snippet!], { cwd: dir, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    for (const f of files) expect(readFileSync(join(dir, r.folder, f.fileName), 'utf8')).toBe(f.text);
    expect(readdirSync(dir)).toEqual([r.folder]);
  });
});
