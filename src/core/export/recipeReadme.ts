/** The recipe's README.md: how to run it, the stages, the paper's settings beside the recipe's, and every file. */
import { LLAMA_FACTORY_COMMIT } from './llamaFactoryFields';
import { guessModelType } from './loraRecipe';
import { PAPER_RECIPE_HYPER } from './scaleOutHyper';
import { DATA_DIR, DONE_MARKER, rangeText, type ResolvedScaleOut } from './scaleOutOptions';
import { TRL_DIR, TRL_SCRIPT, TRL_TESTED_VERSIONS } from './trlFiles';
import { zipFileName } from './zip';

export function recipeReadme(r: ResolvedScaleOut, fileNames: string[]): string {
  const h = r.hyper;
  const p = PAPER_RECIPE_HYPER;
  const n = r.stages.length;
  const last = (phase: number) => phase === n;
  const effective = h.perDeviceTrainBatchSize * h.gradientAccumulationSteps;
  const row = (name: string, key: string, paper: string, ours: string) =>
    `| ${name} | \`${key}\` | ${paper} | ${ours} |`;
  const num = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  const orderText = r.order.join(' → ');
  const easyToHard = r.order.every((v, i) => v === i + 1);
  const lines = [
    `# Phased IFT scale-out recipe: ${r.base}`,
    '',
    `\`${zipFileName(r.folder)}\` holds two recipes for the same experiment — the same phases, records and settings:`,
    '',
    `- **TRL + accelerate** (\`${TRL_DIR}/\`, start with \`${TRL_DIR}/README.md\`): one Python script, \`${TRL_DIR}/${TRL_SCRIPT}\`, on one GPU,`,
    '  several (DDP or DeepSpeed ZeRO-2) or the CPU. **Tested end to end** by the studio (export, train, import the model',
    `  back, compare first-step and held-out losses) with ${Object.entries(TRL_TESTED_VERSIONS)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '  It carries every setting of the run, including a spanning schedule, a carried optimizer and a minimum LR.',
    "- **LLaMA-Factory** (this folder: `data/`, `configs/`, `run_phased.sh`): its keys are checked against LLaMA-Factory's",
    '  argument definitions (hiyouga/LLaMA-Factory `src/llamafactory/hparams/`, see the note under Versions), but no run of',
    "  LLaMA-Factory itself is part of the studio's tests. Each stage is a fresh launch, so it always restarts the schedule",
    '  and the optimizer and decays to 0.',
    '',
    'Phased Instruction Fine-Tuning (Pang, Zhou, Zhou, Wang, *Phased Instruction Fine-Tuning for Large Language Models*,',
    'Findings of ACL 2024, arXiv 2406.04371) on a multi-GPU machine with [LLaMA-Factory](https://github.com/hiyouga/LLaMA-Factory)',
    'and DeepSpeed. The phases were made in Phased IFT Studio; this folder trains them at full scale.',
    '',
    `Base model: \`${r.baseModel}\` · template: \`${r.template}\` · ${n} stages in the order ${orderText}${easyToHard ? " (easy → hard, the paper's best order)" : ''} ·`,
    `DeepSpeed ZeRO-${r.deepspeed === 'z3' ? 3 : 2} · ${r.gpus} GPUs per node by default.`,
    '',
    '## Run it',
    '',
    '```bash',
    '# once: LLaMA-Factory with DeepSpeed (https://github.com/hiyouga/LLaMA-Factory#installation)',
    'git clone --depth 1 https://github.com/hiyouga/LLaMA-Factory.git',
    'cd LLaMA-Factory && pip install -e ".[torch,metrics,deepspeed]" && cd ..',
    '# gated models such as Llama 2 need `huggingface-cli login` first',
    '',
    `cd ${r.folder}`,
    'bash run_phased.sh    # the phased model, stage after stage',
    ...(r.oneOff ? ['bash run_oneoff.sh    # the baseline to compare it with'] : []),
    '```',
    '',
    'Each stage is `FORCE_TORCHRUN=1 llamafactory-cli train configs/<stage>.yaml`, run from this folder (all paths in the',
    'configs are relative to it). `NPROC_PER_NODE` sets the GPUs per node (default ' +
      String(r.gpus) +
      '); for several nodes set `NNODES`,',
    "`NODE_RANK`, `MASTER_ADDR` and `MASTER_PORT` as in LLaMA-Factory's distributed-training docs and run the script on every",
    'node, with `saves/` on a shared file system. A finished stage leaves `' +
      DONE_MARKER +
      '` (a checksum of its config, data and',
    'starting model) in its output folder and is skipped on a re-run while those are unchanged; if they changed, the script',
    'stops rather than overwrite a trained model. Delete the folder to train it again.',
    '',
    '## The stages',
    '',
    '| stage | phase | difficulty | training records | config | starts from | output |',
    '|---|---|---|---|---|---|---|',
    ...r.stages.map(
      (s) =>
        `| ${s.stage} | ${s.phase} | ${rangeText(s.range, last(s.phase))} | ${s.records} | \`${s.config}\` | \`${s.modelFrom}\` | \`${s.outputDir}\` |`,
    ),
    ...(r.oneOff
      ? [
          `| one-off | all | [1, 5] | ${r.oneOff.records} | \`${r.oneOff.config}\` | \`${r.baseModel}\` | \`${r.oneOff.outputDir}\` |`,
        ]
      : []),
    '',
    r.lora
      ? `Stage k trains on the adapter stage k−1 saved in its \`output_dir\` (\`adapter_name_or_path\`, over the base model); the final phased adapter is \`${r.stages[n - 1]!.outputDir}\`.`
      : `Stage k loads the model stage k−1 saved in its \`output_dir\` (\`model_name_or_path\`); the final phased model is \`${r.stages[n - 1]!.outputDir}\`.`,
    'Every stage is a fresh launch, so the optimizer state is new and the warm-up + cosine schedule restarts, as in the',
    'paper. Each stage sees only its own phase (no replay).',
    ...(r.oneOff
      ? [
          '',
          `The one-off baseline trains once on all ${r.oneOff.records} training records, shuffled, for the same ${h.epochsPerStage} epochs, so every`,
          "record is seen as often as in the phased run — the paper's comparison. (The trainer also reshuffles every epoch.)",
        ]
      : []),
    '',
    ...(r.heldOut.records > 0
      ? [
          `\`data/${r.heldOut.dataFile}\` (${r.heldOut.records} records, registered as \`${r.heldOut.datasetName}\`) is held out of every stage: use`,
          'it to compare the models, e.g. by generating answers and judging them pairwise as the paper does.',
        ]
      : ['Nothing is held out (the held-out share was 0): compare the models on prompts of your own.']),
    '',
    '## Settings',
    '',
    ...(!h.restartSchedulePerPhase || !h.resetOptimizerPerPhase || h.minLrRatio > 0
      ? [
          `**This run set ${[
            !h.restartSchedulePerPhase && 'one schedule spanning the arm',
            !h.resetOptimizerPerPhase && 'an optimizer carried from stage to stage',
            h.minLrRatio > 0 && `a minimum LR of ${h.minLrRatio} × the peak`,
          ]
            .filter(Boolean)
            .join(', ')}**, which LLaMA-Factory's fresh launches per stage cannot do: these configs restart`,
          `warm-up + cosine (to 0) and AdamW in every stage. The TRL recipe (\`${TRL_DIR}/\`) trains what the run set.`,
          '',
        ]
      : []),
    '| setting | key | paper | this recipe |',
    '|---|---|---|---|',
    row('learning rate', 'learning_rate', num(p.learningRate), num(h.learningRate)),
    row('epochs per stage', 'num_train_epochs', String(p.epochsPerStage), String(h.epochsPerStage)),
    row('warm-up ratio', 'warmup_ratio', String(p.warmupRatio), String(h.warmupRatio)),
    row('schedule', 'lr_scheduler_type', p.lrSchedulerType, h.lrSchedulerType),
    row('weight decay', 'weight_decay', String(p.weightDecay), String(h.weightDecay)),
    row('AdamW β', 'adam_beta1, adam_beta2', `(${p.adamBeta1}, ${p.adamBeta2})`, `(${h.adamBeta1}, ${h.adamBeta2})`),
    row('gradient clip', 'max_grad_norm', String(p.maxGradNorm), String(h.maxGradNorm)),
    row(
      'batch per device',
      'per_device_train_batch_size × gradient_accumulation_steps',
      String(p.perDeviceTrainBatchSize),
      `${h.perDeviceTrainBatchSize} × ${h.gradientAccumulationSteps}`,
    ),
    row('max length', 'cutoff_len', String(p.cutoffLen), String(h.cutoffLen)),
    row(
      'fine-tuning',
      'finetuning_type',
      'full',
      r.lora
        ? `lora (r ${r.lora.rank}, alpha ${r.lora.alpha}; \`lora_target\` in ${guessModelType(r.baseModel)}-style names${r.lora.biases ? '; biases not trained here, the TRL recipe trains them' : ''})`
        : 'full',
    ),
    row('precision', 'bf16', 'not stated', String(h.bf16)),
    '',
    ...(h.warmupRatio > 0
      ? [
          `A stage shorter than 1 / ${h.warmupRatio} steps gets, from LLaMA-Factory (the Trainer's \`warmup_ratio\`), one warm-up step at LR 0;`,
          'the studio and the TRL recipe skip a warm-up shorter than one step and start such a stage at its peak.',
          '',
        ]
      : []),
    `**LR ${num(p.learningRate)} is the paper's value for full fine-tuning of 7B–70B models** (Llama-2 7B/13B/70B, Llama-3 8B/70B,`,
    'Mistral 7B). It is not a general default: smaller models, or LoRA, usually need a larger rate.',
    '',
    `Global batch = ${h.perDeviceTrainBatchSize} per device × ${h.gradientAccumulationSteps} accumulation × GPUs (${effective * r.gpus} on ${r.gpus} GPUs). 16 sequences of`,
    '2048 tokens per GPU may not fit in memory for full fine-tuning; keep the product the same instead, e.g.',
    '`per_device_train_batch_size: 4` with `gradient_accumulation_steps: 4`, in every config alike.',
    'The DeepSpeed config leaves `gradient_clipping`, batch sizes and precision on `"auto"`, so they follow the YAML.',
    '',
    `Template \`${r.template}\`: LLaMA-Factory's README says base models take \`default\`, \`alpaca\`, \`vicuna\`, …, and chat models their`,
    'own template (`llama2`, `llama3`, …). `default` writes `Human: {prompt}</s>\\nAssistant:{response}</s>`, the closest to',
    "the paper's `User: …<eos>\\nAssistant: …<eos>`. Use the same template when you generate with the trained models.",
    ...(r.promptTemplate.kind === 'chat'
      ? [
          r.promptTemplate.choice === 'model'
            ? "The studio's run trained in the model's own chat template; LLaMA-Factory writes its own template's turns, so pick the one named for the base model's family (qwen, qwen3, llama3, chatml)."
            : `The studio's run trained in its built-in ${r.promptTemplate.choice} template; LLaMA-Factory's \`${r.promptTemplate.choice}\` writes the same turns (no default system prompt).`,
        ]
      : []),
    '',
    `Versions: every key of these configs was checked against LLaMA-Factory's argument definitions (\`src/llamafactory/hparams/\`)`,
    `at commit ${LLAMA_FACTORY_COMMIT.slice(0, 7)} (2026-08-18), which takes transformers 4.55 to 5.8.0 and defines \`overwrite_output_dir\` itself.`,
    'Releases of transformers after that drop `warmup_ratio`; there, write `warmup_steps: x` for `warmup_ratio: x` (below 1',
    'it is a ratio).',
    '',
    '## Files',
    '',
    '| file | what it is |',
    '|---|---|',
    ...fileNames.map((f) => `| \`${f}\` | ${describeFile(r, f)} |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function describeFile(r: ResolvedScaleOut, path: string): string {
  if (path === 'README.md') return 'this file';
  if (path === `${TRL_DIR}/README.md`) return 'the TRL recipe: how to run it on the CPU, one GPU or several';
  if (path.startsWith(`${TRL_DIR}/`)) return `part of the TRL recipe (${TRL_DIR}/README.md says what)`;
  if (path === `${DATA_DIR}/dataset_info.json`)
    return "LLaMA-Factory's dataset registry (`dataset_dir: data`): one Alpaca-format entry per file below";
  if (path === r.deepspeedConfig)
    return `DeepSpeed ZeRO-${r.deepspeed === 'z3' ? 3 : 2} config (LLaMA-Factory's example)`;
  if (path === 'run_phased.sh') return 'runs the stages in order, checking each saved model before the next starts';
  if (path === 'run_oneoff.sh') return 'runs the one-off baseline';
  const st = r.stages.find((s) => s.config === path);
  if (st) return `training config of stage ${st.stage} (phase ${st.phase})`;
  if (r.oneOff && path === r.oneOff.config) return 'training config of the one-off baseline';
  const data = r.stages.find((s) => path === `${DATA_DIR}/${s.dataFile}`);
  if (data)
    return `phase ${data.phase} training records (Alpaca fields + score, phase, id), dataset \`${data.datasetName}\``;
  if (r.oneOff && path === `${DATA_DIR}/${r.oneOff.dataFile}`)
    return `all phases' training records, shuffled, dataset \`${r.oneOff.datasetName}\``;
  if (path === `${DATA_DIR}/${r.heldOut.dataFile}`)
    return `held-out records of every phase, dataset \`${r.heldOut.datasetName}\``;
  return '';
}
