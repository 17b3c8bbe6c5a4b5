/** trl/README.md: from the unzipped folder to a CPU smoke test, one GPU and several, and what every file is. */
import type { LoraSettings } from '../model/loraSettings';
import { rangeText, type ResolvedScaleOut } from './scaleOutOptions';
import {
  TRL_DIR,
  TRL_ACCELERATE_MULTI_GPU,
  TRL_ACCELERATE_ZERO2,
  TRL_DS_CONFIG,
  TRL_EVAL_FILE,
  TRL_LOG_FILE,
  TRL_RECIPE_JSON,
  TRL_SCRIPT,
  TRL_TESTED_VERSIONS,
} from './trlFiles';

export function trlReadme(r: ResolvedScaleOut, fileNames: readonly string[]): string {
  const h = r.hyper;
  const n = r.stages.length;
  const num = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  const versions = Object.entries(TRL_TESTED_VERSIONS)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `# Phased IFT with TRL: ${r.base}`,
    '',
    `The studio's experiment on Hugging Face [TRL](https://github.com/huggingface/trl) (SFTTrainer) and`,
    '[accelerate](https://github.com/huggingface/accelerate): the same phases, records and settings as the LLaMA-Factory',
    `recipe one folder up, run by one script, \`${TRL_SCRIPT}\`. Tested end to end (\`npm run test:scaleout\` in the studio:`,
    'export, train on CPU, import back, compare losses) with ' + versions + '.',
    '',
    '## Run it',
    '',
    '```bash',
    `cd ${r.folder}/${TRL_DIR}                        # where the zip unpacked`,
    'python -m venv .venv && . .venv/bin/activate     # Windows: .venv\\Scripts\\activate',
    'pip install -r requirements.txt                  # on a GPU machine: the CUDA build of torch first (pytorch.org)',
    '',
    `# CPU smoke test: a few steps per stage of a small model, float32 (the LR schedule stays the full run's)`,
    `python ${TRL_SCRIPT} --arm phased --cpu --max-steps-per-stage 2 --output-root smoke --base-model openai-community/gpt2`,
    '',
    '# one GPU',
    `python ${TRL_SCRIPT} --arm phased`,
    ...(r.oneOff ? [`python ${TRL_SCRIPT} --arm one-off            # the baseline to compare with`] : []),
    '',
    `# several GPUs on one node (data-parallel; --num_processes overrides the ${r.gpus} in the file)`,
    `accelerate launch --config_file ${TRL_ACCELERATE_MULTI_GPU} ${TRL_SCRIPT} --arm phased`,
    '',
    '# DeepSpeed ZeRO-2 (optimizer state and gradients sharded across the GPUs)',
    'pip install deepspeed',
    `accelerate launch --config_file ${TRL_ACCELERATE_ZERO2} ${TRL_SCRIPT} --arm phased`,
    '```',
    '',
    `Gated models (Llama 2, …) need \`huggingface-cli login\` first. \`--base-model\` overrides \`${r.baseModel}\`. Run from this folder.`,
    `A finished stage leaves \`.phased-ift-done\` in its folder and is skipped on a re-run; delete the folder to train it again.`,
    '',
    '## What it runs',
    '',
    '| stage | phase | difficulty | records | data | output |',
    '|---|---|---|---|---|---|',
    ...r.stages.map(
      (s) =>
        `| ${s.stage} | ${s.phase} | ${rangeText(s.range, s.phase === n)} | ${s.records} | \`data/${s.dataFile}\` | \`saves/phased/stage-${s.stage}_phase-${s.phase}\` |`,
    ),
    ...(r.oneOff
      ? [`| one-off | all | [1, 5] | ${r.oneOff.records} | \`data/${r.oneOff.dataFile}\` | \`saves/one-off\` |`]
      : []),
    '',
    ...(r.lora
      ? loraLines(r.lora)
      : [
          '- Full fine-tuning: stage k loads the model stage k−1 saved and trains every weight, on its own phase only.',
        ]),
    ...templateLines(r),
    "- Loss on the answers only, by the studio's rule: the script tokenizes each row as one text and trains every answer",
    "  (the template's `{% generation %}` marks; in a template without them, from the end of the conversation up to it",
    '  rendered with `add_generation_prompt` to the first end-of-turn special token, included; earlier answers of a',
    '  conversation too, except those the studio keeps as context) from the first token the text before it, tokenized',
    '  alone, does not share: a token straddling the seam (GPT-2\'s " Paris" holds the prompt\'s last space) is trained,',
    '  as in the studio. Each row ends with its last trained token. TRL gets the rows pre-tokenized.',
    '- The loss is averaged over all response tokens of the accumulated batch (transformers ≥ 4.46), AdamW decays every',
    "  weight but biases and LayerNorm weights (the Trainer's rule).",
    `- LR ${num(h.learningRate)}, warm-up ${h.warmupRatio} of the steps from 0, then cosine to ${h.minLrRatio} × the peak, ${h.restartSchedulePerPhase ? 'restarted in every stage (the paper)' : 'spanning the whole arm (one schedule)'};`,
    `  ${h.resetOptimizerPerPhase ? 'a fresh AdamW in every stage (the paper)' : `AdamW's moments carried from stage to stage (saved as \`optimizer_state.pt\`; not under DeepSpeed)`}.`,
    `- AdamW β (${h.adamBeta1}, ${h.adamBeta2}), ε ${num(h.adamEpsilon)}, weight decay ${h.weightDecay}, gradient clip ${h.maxGradNorm === 0 ? 'off' : h.maxGradNorm}, ${h.epochsPerStage} epoch(s) per stage,`,
    `  batch ${h.perDeviceTrainBatchSize} per device × ${h.gradientAccumulationSteps} accumulation (× GPUs), seed ${h.seed}, at most ${h.cutoffLen} tokens per example, bf16 ${h.bf16 ? 'on GPUs that have it' : 'off'}.`,
    ...(r.oneOff
      ? [
          `- The one-off baseline trains on all ${r.oneOff.records} records (the LLaMA-Factory file's order) for the same epochs.`,
        ]
      : []),
    '',
    '## What it writes',
    '',
    `Every stage's folder holds the ${r.lora ? 'LoRA adapter (`adapter_config.json`, `adapter_model.safetensors`)' : 'model'} and tokenizer, \`${TRL_LOG_FILE}\` (the record ids of every micro-batch, in training`,
    `order, and the Trainer's log: loss, LR and gradient norm per step) and \`${TRL_EVAL_FILE}\`: the mean loss per trained token`,
    'of each difficulty bucket of the held-out file (the bucket is the phase a record came from) — what the studio reports as',
    'held-out loss, so the model imported back into the studio shows the same numbers.',
    '',
    '## Files',
    '',
    '| file | what it is |',
    '|---|---|',
    ...fileNames.map((f) => `| \`${f}\` | ${describe(r, f)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function describe(r: ResolvedScaleOut, f: string): string {
  if (f === 'README.md') return 'this file';
  if (f === TRL_SCRIPT)
    return 'trains an arm stage by stage (`--arm phased` or `--arm one-off`); `--help` lists its options';
  if (f === TRL_RECIPE_JSON) return 'the stages, the template and the hyper-parameters the script reads';
  if (f === 'requirements.txt') return 'the versions the recipe was tested with';
  if (f === TRL_ACCELERATE_MULTI_GPU) return `accelerate config: one node, ${r.gpus} GPUs, data-parallel`;
  if (f === TRL_ACCELERATE_ZERO2)
    return `accelerate config: one node, ${r.gpus} GPUs, DeepSpeed ZeRO-2 from \`${TRL_DS_CONFIG}\``;
  if (f === TRL_DS_CONFIG) return 'DeepSpeed ZeRO-2 config ("auto" values filled by the Trainer)';
  const st = r.stages.find((s) => f === `data/${s.dataFile}`);
  if (st)
    return `phase ${st.phase}: its ${st.records} training records (TRL rows: prompt/completion or messages, + id, phase, score)`;
  if (r.oneOff && f === `data/${r.oneOff.dataFile}`)
    return "every phase's training records, shuffled, for the one-off baseline";
  if (f === `data/${r.heldOut.dataFile}`) return 'the held-out records of every phase, for the evaluation';
  return '';
}

function templateLines(r: ResolvedScaleOut): string[] {
  const t = r.promptTemplate;
  if (t.kind === 'studio')
    return [
      `- Template \`${t.name}\`: the studio's prompt template, set as the tokenizer's chat template (saved with every model,`,
      '  so `tokenizer.apply_chat_template(messages, add_generation_prompt=True)` prompts the trained model the same way).',
    ];
  const input = "  A record's input follows its instruction after a newline in the user turn, as in the studio.";
  if (t.choice === 'model')
    return [
      "- Template: the base model's own chat template (the tokenizer's `chat_template`), as the run trained in the",
      "  model's own; the script stops with a message when the base model has none.",
      input,
    ];
  return [
    `- Template: the built-in ${t.choice} chat template the run trained with (its source is in \`${TRL_RECIPE_JSON}\`), set as the`,
    "  tokenizer's chat template and saved with every model. The base model's tokenizer must have",
    `  ${t.needsTokens.join(', ')} as tokens; the script checks that before it trains.`,
    input,
  ];
}

function loraLines(lora: LoraSettings): string[] {
  return [
    `- LoRA (peft): rank ${lora.rank}, alpha ${lora.alpha}, on the studio's ${lora.targets.join(', ')}${lora.biases ? ', every bias trained too (`bias: "all"`)' : ''}${lora.layerNorms ? ', the LayerNorms trained too (`modules_to_save`)' : ''}.`,
    "  Stage 1 puts a new LoRA adapter on the base model (A random, B zero, so its first step is the base model's);",
    '  stage k loads the adapter stage k−1 saved, trainable (`PeftModel.from_pretrained(base, folder, is_trainable=True)`),',
    `  and trains it on its own phase only. The base model's weights never change${lora.biases || lora.layerNorms ? ' (but for the biases and LayerNorms named above, saved in the adapter)' : ''}.`,
    `- \`${TRL_RECIPE_JSON}\` names the modules per \`model_type\` (gpt2, gpt_neo, llama, mistral, qwen2, …: \`lora.by_model_type\`); for another`,
    '  architecture, add its module names there. Use the final adapter with `PeftModel.from_pretrained(base, folder)`, or',
    '  merge it (`merge_and_unload()`); the studio imports it back as a peft adapter.',
  ];
}
