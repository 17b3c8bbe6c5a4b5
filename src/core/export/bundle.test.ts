import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleScript } from './bundle';
import { resolveScaleOut, type ExportFile } from './scaleOut';
import { plan, recipe, tempDirsRemovedAfterAll } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();

describe('scale-out bundle under bash', () => {
  const files = recipe();

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
});
