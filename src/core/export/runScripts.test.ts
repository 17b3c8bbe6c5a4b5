import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellWord } from './runScripts';
import { DEFAULT_BASE_MODEL, DONE_MARKER, resolveScaleOut } from './scaleOut';
import { byName, plan, recipe, tempDirsRemovedAfterAll, writeTree } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();

describe('scale-out run scripts: text', () => {
  const map = byName(recipe());
  const r = resolveScaleOut(plan, { baseName: 'alpaca_data.json' });

  it('the shell scripts run the YAMLs in stage order and name only files of the recipe', () => {
    const script = map.get('run_phased.sh')!;
    const calls = [...script.matchAll(/^run_stage (\d+) (\S+) (\S+) (\S+) (\S+)$/gm)].map((m) => m.slice(1));
    expect(calls).toEqual(
      r.stages.map((s) => [
        String(s.stage),
        s.config,
        `data/${s.dataFile}`,
        s.stage === 1 ? '-' : s.modelFrom,
        s.outputDir,
      ]),
    );
    for (const name of ['run_phased.sh', 'run_oneoff.sh']) {
      for (const m of map.get(name)!.matchAll(/\b(?:data|configs)\/[A-Za-z0-9._/-]+/g))
        expect(map.has(m[0]), `${name}: ${m[0]}`).toBe(true);
    }
    expect(map.get('run_oneoff.sh')).toMatch(
      /^run_stage 1 configs\/one-off\.yaml data\/alpaca_data\.one-off\.jsonl - saves\/one-off$/m,
    );
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('export NPROC_PER_NODE="${NPROC_PER_NODE:-8}"');
  });

  it('quotes shell words that need it', () => {
    expect(shellWord('saves/stage-1_phase-1')).toBe('saves/stage-1_phase-1');
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe('scale-out recipe: the scripts under bash', () => {
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

  function setup(): {
    dir: string;
    log: string;
    run: (script: string, extraEnv?: Record<string, string>) => SpawnSyncReturns<string>;
    calls: () => string[];
  } {
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
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && k !== 'FORCE_TORCHRUN' && k !== 'NPROC_PER_NODE') env[k] = v;
    const run = (script: string, extraEnv: Record<string, string> = {}) =>
      // from another directory: the script must find its files itself
      spawnSync('bash', [join(dir, script)], {
        cwd: root,
        encoding: 'utf8',
        env: { ...env, PATH: `${bin}:${env.PATH ?? ''}`, STUB_LOG: log, ...extraEnv },
      });
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
    expect(
      calls()
        .slice(3)
        .map((c) => c.split('|')[0]),
    ).toEqual(['configs/stage-2_phase-2.yaml', 'configs/stage-3_phase-3.yaml']);
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
});
