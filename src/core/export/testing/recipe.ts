/**
 * Test support for the scale-out export: a small phase plan with awkward text, the recipe made from it, temporary
 * folders, and a YAML reader that holds the emitter to both YAML versions.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll } from 'vitest';
import YAML from 'yaml';
import { planByCutoffs } from '../../phases/plan';
import { makeRecord } from '../../phases/testing/records';
import { scaleOutRecipe, type ExportFile, type ScaleOutOptions } from '../scaleOut';
import type { YamlScalar, YamlValue } from '../yaml';

/**
 * Parses `text` with the `yaml` package as YAML 1.1 (what PyYAML, and so LLaMA-Factory, reads) and as YAML 1.2, and
 * throws unless both read the same values, so a scalar the emitter left bare that the versions resolve differently
 * (`no`, `010`, `1_000`, `2024-01-01`, …) fails the test that reads it. Also throws on duplicate keys (the package
 * refuses them) and on anything but the flat mapping of scalars and scalar lists that emitYaml writes.
 */
export function parseYamlBothVersions(text: string): Record<string, YamlValue> {
  const v11: unknown = YAML.parse(text, { version: '1.1' });
  const v12: unknown = YAML.parse(text, { version: '1.2' });
  if (!isDeepStrictEqual(v11, v12)) {
    throw new Error(`YAML 1.1 reads ${JSON.stringify(v11)} but YAML 1.2 reads ${JSON.stringify(v12)}:\n${text}`);
  }
  const isScalar = (v: unknown): v is YamlScalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (v12 === null || typeof v12 !== 'object' || Array.isArray(v12))
    throw new Error(`Not a mapping: ${JSON.stringify(v12)}`);
  for (const [key, value] of Object.entries(v12)) {
    if (!isScalar(value) && !(Array.isArray(value) && value.every(isScalar))) {
      throw new Error(`"${key}" is not a scalar or a list of scalars, so not a flat config: ${JSON.stringify(value)}`);
    }
  }
  return v12 as Record<string, YamlValue>;
}

// 30 records, 10 per phase, with awkward text (quotes, newlines, a YAML-ish "no: yes") to carry through unchanged.
export const records = Array.from({ length: 30 }, (_, i) =>
  makeRecord(
    `r${i}`,
    i === 4 ? 'say "no: yes" # twice' : `task ${i}`,
    i % 3 === 0 ? `input\nline ${i}` : '',
    `answer ${i}`,
  ),
);
export const scores = records.map((_, i) => [1, 2.5, 4.25][i % 3]!);
export const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.2 } });

export function recipe(options: ScaleOutOptions = {}): ExportFile[] {
  return scaleOutRecipe(plan, records, scores, { baseName: 'alpaca_data.json', ...options });
}

export function byName(files: readonly ExportFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.fileName, f.text]));
}

export function yamlOf(files: Map<string, string>, path: string): Record<string, YamlValue> {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no ${path}`);
  return parseYamlBothVersions(text);
}

export type DatasetInfo = Record<string, { file_name: string; formatting: string; columns: Record<string, string> }>;

/** A maker of temporary folders, all removed after the calling test file's tests; call it at the file's top level. */
export function tempDirsRemovedAfterAll(): () => string {
  const roots: string[] = [];
  afterAll(() => {
    for (const d of roots) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
    roots.push(dir);
    return dir;
  };
}

export function writeTree(root: string, files: readonly ExportFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.fileName)), { recursive: true });
    writeFileSync(join(root, f.fileName), f.text);
  }
}

/**
 * `text` read by PyYAML (what LLaMA-Factory loads its configs with), as JSON. Looks for a Python with PyYAML in
 * $PYTHON, Debian's /usr/bin/python3, then python3 on the PATH; none is a failure that says how to install it, never a
 * skip (.ci/run installs Debian's python3-yaml).
 */
export function pyyamlLoad(text: string): unknown {
  const python = pythonWithYaml();
  const r = spawnSync(python, ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], {
    input: text,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`PyYAML could not read the YAML: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

let foundPython: string | undefined;
function pythonWithYaml(): string {
  if (foundPython) return foundPython;
  const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
  foundPython = candidates.find((c) => spawnSync(c, ['-c', 'import yaml']).status === 0);
  if (!foundPython) {
    throw new Error(
      `No Python with PyYAML (tried ${candidates.join(', ')}). Install it: apt-get install -y python3-yaml (or pip install pyyaml), ` +
        'or point PYTHON at a Python that has it.',
    );
  }
  return foundPython;
}
