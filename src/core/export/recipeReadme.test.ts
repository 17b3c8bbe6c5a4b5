import { describe, expect, it } from 'vitest';
import { TRL_TESTED_VERSIONS } from './trlFiles';
import { byName, recipe } from './testing/recipe';

describe('scale-out README', () => {
  const files = recipe();
  const map = byName(files);

  it("README explains the files, the paper's settings and that LR 5e-6 is for 7B–70B full fine-tuning", () => {
    const readme = map.get('README.md')!;
    for (const f of files) expect(readme, f.fileName).toContain(`\`${f.fileName}\``);
    expect(readme).toMatch(/LR 5e-6 is the paper's value for full fine-tuning of 7B–70B models/);
    expect(readme).toContain('| AdamW β | `adam_beta1, adam_beta2` | (0.9, 0.95) | (0.9, 0.95) |');
  });

  it('names both recipes, the zip, and which one was tested end to end with which versions', () => {
    const readme = map.get('README.md')!;
    expect(readme).toContain('`alpaca_data-scale-out.zip` holds two recipes');
    expect(readme).toMatch(/\*\*TRL \+ accelerate\*\*[^]*\*\*Tested end to end\*\*/);
    for (const [name, version] of Object.entries(TRL_TESTED_VERSIONS)) expect(readme).toContain(`${name} ${version}`);
    expect(TRL_TESTED_VERSIONS).toMatchObject({
      trl: expect.any(String),
      transformers: expect.any(String),
      torch: expect.any(String),
    });
    const trl = map.get('trl/README.md')!;
    for (const f of files.filter((x) => x.fileName.startsWith('trl/')))
      expect(trl, f.fileName).toContain(`\`${f.fileName.slice(4)}\``);
    expect(trl).toContain(
      'python train_phased.py --arm phased --cpu --max-steps-per-stage 2 --output-root smoke --base-model openai-community/gpt2',
    );
    expect(trl).toContain('cd alpaca_data-scale-out/trl ');
    expect(trl).toContain(
      '- LR 5e-6, warm-up 0.1 of the steps from 0, then cosine to 0 × the peak, restarted in every stage',
    );
    expect(trl).toContain('accelerate launch --config_file accelerate_multi_gpu.yaml train_phased.py --arm phased');
    expect(trl).toContain('accelerate launch --config_file accelerate_zero2.yaml train_phased.py --arm phased');
  });
});

describe('scale-out README: what LLaMA-Factory cannot carry', () => {
  it('says so when the run spans the schedule, carries the optimizer or floors the LR, and not otherwise', () => {
    const readme = byName(
      recipe({ hyper: { restartSchedulePerPhase: false, resetOptimizerPerPhase: false, minLrRatio: 0.1 } }),
    ).get('README.md')!;
    expect(readme).toContain(
      '**This run set one schedule spanning the arm, an optimizer carried from stage to stage, a minimum LR of 0.1 × the peak**, which LLaMA-Factory',
    );
    expect(byName(recipe()).get('README.md')).not.toContain('This run set');
  });
});
