import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flatDownloadName } from './bundle';
import { resolveScaleOut } from './scaleOut';
import { byName, plan, recipe, tempDirsRemovedAfterAll } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();

describe('scale-out README', () => {
  const files = recipe();
  const map = byName(files);
  const r = resolveScaleOut(plan, { baseName: 'alpaca_data.json' });

  it("README explains the files, the paper's settings and that LR 5e-6 is for 7B–70B full fine-tuning", () => {
    const readme = map.get('README.md')!;
    for (const f of files) expect(readme, f.fileName).toContain(`\`${f.fileName}\``);
    expect(readme).toMatch(/LR 5e-6 is the paper's value for full fine-tuning of 7B–70B models/);
    expect(readme).toContain('| AdamW β | `adam_beta1, adam_beta2` | (0.9, 0.95) | (0.9, 0.95) |');
    expect(readme).toContain(flatDownloadName(r.folder, 'data/dataset_info.json'));
  });
});

describe('scale-out README under bash', () => {
  const files = recipe();

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
