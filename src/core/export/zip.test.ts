import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { resolveScaleOut } from './scaleOut';
import { plan, recipe, tempDirsRemovedAfterAll } from './testing/recipe';
import { safeFolderName, zipFolder, zipRecipe } from './zip';

const tempDir = tempDirsRemovedAfterAll();

describe('the recipe as one zip', () => {
  const files = recipe();
  const folder = resolveScaleOut(plan, { baseName: 'alpaca_data.json' }).folder;

  it('holds every file under <folder>/ byte for byte, and the same recipe gives the same bytes', () => {
    const zip = zipRecipe(files, folder);
    expect(zip.fileName).toBe('alpaca_data-scale-out.zip');
    const entries = unzipSync(zip.bytes);
    expect(Object.keys(entries)).toEqual(files.map((f) => `${folder}/${f.fileName}`));
    const decoder = new TextDecoder();
    for (const f of files) expect(decoder.decode(entries[`${folder}/${f.fileName}`]), f.fileName).toBe(f.text);
    expect(zipRecipe(files, folder).bytes).toEqual(zip.bytes);
  });

  it("Python's zipfile (what Windows users' tools and pip read alike) extracts it, scripts executable", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'r.zip'), zipRecipe(files, folder).bytes);
    const script = [
      'import sys, zipfile, os',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'for info in z.infolist():',
      '    z.extract(info, sys.argv[2])',
      '    os.chmod(os.path.join(sys.argv[2], info.filename), (info.external_attr >> 16) & 0o777)',
    ].join('\n');
    const res = spawnSync('python3', ['-c', script, join(dir, 'r.zip'), dir], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    for (const f of files) expect(readFileSync(join(dir, folder, f.fileName), 'utf8'), f.fileName).toBe(f.text);
    expect(statSync(join(dir, folder, 'run_phased.sh')).mode & 0o111).not.toBe(0);
    expect(statSync(join(dir, folder, 'trl/train_phased.py')).mode & 0o111).not.toBe(0);
    expect(statSync(join(dir, folder, 'README.md')).mode & 0o111).toBe(0);
  });

  it('refuses unsafe paths and a file written twice', () => {
    expect(() => zipRecipe([{ fileName: '../x', text: '' }], 'out')).toThrow(/safe relative path/);
    expect(() => zipRecipe([{ fileName: 'a', text: '' }], 'a/b')).toThrow(/safe folder/);
    expect(() =>
      zipRecipe(
        [
          { fileName: 'a', text: '' },
          { fileName: 'a', text: '' },
        ],
        'out',
      ),
    ).toThrow(/twice/);
  });
});

describe('zipFolder', () => {
  it("zips a model folder's text and binary files under one folder, weights stored, byte for byte", () => {
    const weights = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) % 251);
    const { fileName, bytes } = zipFolder(
      { 'config.json': '{"model_type": "llama"}', 'model.safetensors': weights },
      safeFolderName('test-org/SmolLM2 tiny-merged-step-4'),
    );
    expect(fileName).toBe('test-org-SmolLM2-tiny-merged-step-4.zip');
    const entries = unzipSync(bytes);
    expect(Object.keys(entries).sort()).toEqual([
      'test-org-SmolLM2-tiny-merged-step-4/config.json',
      'test-org-SmolLM2-tiny-merged-step-4/model.safetensors',
    ]);
    expect(entries['test-org-SmolLM2-tiny-merged-step-4/model.safetensors']).toEqual(weights);
    expect(new TextDecoder().decode(entries['test-org-SmolLM2-tiny-merged-step-4/config.json'])).toBe(
      '{"model_type": "llama"}',
    );
    expect(() => zipFolder({ '../x': 'a' }, 'f')).toThrow(/not a safe relative path/);
    expect(safeFolderName('///')).toBe('model');
  });
});
