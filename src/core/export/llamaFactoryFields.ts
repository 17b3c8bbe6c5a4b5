/**
 * The field names the scale-out recipe writes, each with the documentation that names it. The recipe may use no
 * other key (the tests check every generated file against these lists), so a typo or an invented option fails
 * here rather than on a rented 8-GPU machine.
 *
 * Sources read (stored copies, 2025):
 * - LLaMA-Factory docs, "SFT 训练" (getting_started/sft): https://llamafactory.readthedocs.io/zh-cn/latest/getting_started/sft.html
 *   (repo hiyouga/LLaMA-Factory-Doc, docs/source/getting_started/sft.rst) — the training YAML and its key table.
 * - LLaMA-Factory docs, "参数介绍" (advanced/arguments): https://llamafactory.readthedocs.io/zh-cn/latest/advanced/arguments.html
 *   — DataArguments (template, dataset, dataset_dir, cutoff_len, overwrite_cache, preprocessing_num_workers, …).
 * - LLaMA-Factory docs, "分布训练" (advanced/distributed): https://llamafactory.readthedocs.io/zh-cn/latest/advanced/distributed.html
 *   — `FORCE_TORCHRUN=1 llamafactory-cli train x.yaml`, NNODES / RANK / MASTER_ADDR / MASTER_PORT, the `deepspeed:`
 *   key and the ZeRO-0/2/3 JSON files.
 * - LLaMA-Factory repo: examples/train_full/llama3_full_sft.yaml and qwen3_full_sft.yaml (full fine-tuning with
 *   DeepSpeed ZeRO-3), examples/deepspeed/ds_z2_config.json and ds_z3_config.json, data/README.md
 *   (dataset_info.json), src/llamafactory/cli.py (NPROC_PER_NODE, defaulting to the visible GPU count),
 *   README "Supported Models" note (base models: template `default`, `alpaca`, `vicuna`, …).
 * - Hugging Face transformers TrainingArguments (LLaMA-Factory's training arguments extend them):
 *   https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments
 * - DeepSpeed configuration JSON: https://www.deepspeed.ai/docs/config-json/
 * - LLaMA-Factory's own argument definitions, read at commit {@link LLAMA_FACTORY_COMMIT} (2026-08-18):
 *   src/llamafactory/hparams/{model,data,finetuning,training}_args.py, whose TrainingArguments extends transformers'
 *   Seq2SeqTrainingArguments (pyproject: transformers >= 4.55, <= 5.8.0). {@link LLAMA_FACTORY_HPARAMS} names the
 *   dataclass that defines every training key.
 */

/** The hiyouga/LLaMA-Factory commit whose `hparams/` sources the training keys were checked against. */
export const LLAMA_FACTORY_COMMIT = 'ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30';

/** Where a training key is defined at {@link LLAMA_FACTORY_COMMIT}. */
export type HparamsSource =
  'ModelArguments' | 'DataArguments' | 'FinetuningArguments' | 'TrainingArguments' | 'Seq2SeqTrainingArguments';

/**
 * The dataclass that defines each key of {@link LLAMA_FACTORY_TRAIN_KEYS}, read from LLaMA-Factory's hparams sources
 * (`Seq2SeqTrainingArguments`: transformers', which LLaMA-Factory's TrainingArguments extends; `overwrite_output_dir`
 * is LLaMA-Factory's own since transformers 5 removed it).
 */
export const LLAMA_FACTORY_HPARAMS: Readonly<Record<string, HparamsSource>> = {
  model_name_or_path: 'ModelArguments',
  adapter_name_or_path: 'ModelArguments',
  lora_rank: 'FinetuningArguments',
  lora_alpha: 'FinetuningArguments',
  lora_dropout: 'FinetuningArguments',
  lora_target: 'FinetuningArguments',
  additional_target: 'FinetuningArguments',
  stage: 'FinetuningArguments',
  finetuning_type: 'FinetuningArguments',
  plot_loss: 'FinetuningArguments',
  dataset: 'DataArguments',
  dataset_dir: 'DataArguments',
  template: 'DataArguments',
  cutoff_len: 'DataArguments',
  overwrite_cache: 'DataArguments',
  preprocessing_num_workers: 'DataArguments',
  overwrite_output_dir: 'TrainingArguments',
  ...Object.fromEntries(
    [
      'do_train',
      'deepspeed',
      'output_dir',
      'logging_steps',
      'save_strategy',
      'report_to',
      'per_device_train_batch_size',
      'gradient_accumulation_steps',
      'learning_rate',
      'num_train_epochs',
      'lr_scheduler_type',
      'warmup_ratio',
      'weight_decay',
      'adam_beta1',
      'adam_beta2',
      'max_grad_norm',
      'optim',
      'bf16',
      'seed',
      'ddp_timeout',
    ].map((k) => [k, 'Seq2SeqTrainingArguments' as const]),
  ),
};

const SFT_DOC = 'LLaMA-Factory docs › SFT 训练 (getting_started/sft), key table and example YAML';
const ARGS_DOC = 'LLaMA-Factory docs › 参数介绍 (advanced/arguments), DataArguments';
const DIST_DOC = 'LLaMA-Factory docs › 分布训练 (advanced/distributed), DeepSpeed';
const FULL_EXAMPLE = 'LLaMA-Factory examples/train_full/llama3_full_sft.yaml';
const QWEN3_EXAMPLE = 'LLaMA-Factory examples/train_full/qwen3_full_sft.yaml';
const LORA_ARGS = 'LLaMA-Factory src/llamafactory/hparams/finetuning_args.py, LoraArguments';
const HF_ARGS = 'transformers TrainingArguments (huggingface.co/docs/transformers/main_classes/trainer)';

/** Keys of a LLaMA-Factory training YAML that the recipe writes, with where each is documented. */
export const LLAMA_FACTORY_TRAIN_KEYS: Readonly<Record<string, string>> = {
  // model
  model_name_or_path: SFT_DOC,
  adapter_name_or_path:
    'LLaMA-Factory src/llamafactory/hparams/model_args.py, ModelArguments (one adapter: trained on when create_new_adapter is false, model/adapter.py)',
  // method
  stage: SFT_DOC,
  do_train: SFT_DOC,
  finetuning_type: SFT_DOC,
  lora_rank: LORA_ARGS,
  lora_alpha: LORA_ARGS,
  lora_dropout: LORA_ARGS,
  lora_target: `${LORA_ARGS} (comma-separated module names)`,
  additional_target: `${LORA_ARGS} (modules trained and saved beside the adapters)`,
  deepspeed: `${DIST_DOC}; ${FULL_EXAMPLE}`,
  // dataset
  dataset: `${SFT_DOC}; ${ARGS_DOC}`,
  dataset_dir: ARGS_DOC,
  template: `${SFT_DOC}; ${ARGS_DOC}`,
  cutoff_len: ARGS_DOC,
  overwrite_cache: ARGS_DOC,
  preprocessing_num_workers: ARGS_DOC,
  // output
  output_dir: SFT_DOC,
  logging_steps: SFT_DOC,
  save_strategy: HF_ARGS,
  plot_loss: `${FULL_EXAMPLE}; ${DIST_DOC} (--plot_loss)`,
  overwrite_output_dir: `${SFT_DOC}; ${FULL_EXAMPLE}`,
  report_to: `${QWEN3_EXAMPLE}; ${HF_ARGS}`,
  // train
  per_device_train_batch_size: SFT_DOC,
  gradient_accumulation_steps: SFT_DOC,
  learning_rate: SFT_DOC,
  num_train_epochs: SFT_DOC,
  lr_scheduler_type: SFT_DOC,
  warmup_ratio: SFT_DOC,
  weight_decay: HF_ARGS,
  adam_beta1: HF_ARGS,
  adam_beta2: HF_ARGS,
  max_grad_norm: SFT_DOC,
  optim: HF_ARGS,
  bf16: SFT_DOC,
  seed: HF_ARGS,
  ddp_timeout: FULL_EXAMPLE,
};

const DATA_README = 'LLaMA-Factory data/README.md (dataset_info.json, Alpaca format)';

/** Keys of one dataset entry in `dataset_info.json`. */
export const DATASET_INFO_KEYS: Readonly<Record<string, string>> = {
  file_name: DATA_README,
  formatting: `${DATA_README}: "alpaca" (default) or "sharegpt"`,
  columns: DATA_README,
};

/** Keys of `columns` for an Alpaca-format SFT dataset. */
export const DATASET_INFO_COLUMN_KEYS: Readonly<Record<string, string>> = {
  prompt: `${DATA_README}: the instruction column (default "instruction")`,
  query: `${DATA_README}: the input column, appended to the prompt after a newline (default "input")`,
  response: `${DATA_README}: the output column (default "output")`,
  history: `${DATA_README}: the history column, a list of [instruction, response] pairs of the earlier turns (default None)`,
};

const DS_EXAMPLES =
  'LLaMA-Factory examples/deepspeed/ds_z2_config.json, ds_z3_config.json; deepspeed.ai/docs/config-json';

/** Keys of the DeepSpeed JSON, at any depth (top level, `fp16`, `bf16`, `zero_optimization`). */
export const DEEPSPEED_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'train_batch_size',
    'train_micro_batch_size_per_gpu',
    'gradient_accumulation_steps',
    'gradient_clipping',
    'zero_allow_untested_optimizer',
    'fp16',
    'enabled',
    'loss_scale',
    'loss_scale_window',
    'initial_scale_power',
    'hysteresis',
    'min_loss_scale',
    'bf16',
    'zero_optimization',
    'stage',
    'allgather_partitions',
    'allgather_bucket_size',
    'overlap_comm',
    'reduce_scatter',
    'reduce_bucket_size',
    'contiguous_gradients',
    'round_robin_gradients',
    'sub_group_size',
    'stage3_prefetch_bucket_size',
    'stage3_param_persistence_threshold',
    'stage3_max_live_parameters',
    'stage3_max_reuse_distance',
    'stage3_gather_16bit_weights_on_model_save',
  ].map((k) => [k, DS_EXAMPLES]),
);

/** HF `lr_scheduler_type` values (transformers SchedulerType) that need no extra arguments. */
export const LR_SCHEDULER_TYPES: readonly string[] = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
];

/** The hiyouga/LLaMA-Factory commit whose src/llamafactory/data/template.py the template names were read at. */
export const LLAMA_FACTORY_TEMPLATES_COMMIT = '00577a85775a2a78b14641ff8f68c58c6f46b027';

/**
 * LLaMA-Factory `template` names (`register_template(name=…)` in data/template.py) for the families the studio
 * imports: a chat model is fine-tuned in its own format, a base model in `default` (its README's advice).
 */
export const LLAMA_FACTORY_TEMPLATES: Readonly<Record<string, string>> = {
  default: 'base models (LLaMA-Factory README: `default`, `alpaca`, `vicuna`, …)',
  llama3: 'Llama 3.x Instruct: <|start_header_id|>user<|end_header_id|> … <|eot_id|>',
  qwen: 'Qwen2 / Qwen2.5 Instruct: ChatML with Qwen’s default system prompt',
  qwen3: 'Qwen3 (the post-trained models without -Base): ChatML with thinking',
  qwen3_nothink: 'Qwen3 with thinking switched off',
  chatml: 'SmolLM2 Instruct and other ChatML models: <|im_start|>user … <|im_end|>',
};

/** The template a base model's name suggests: its family's chat template for a chat model, else `default`. */
export function llamaFactoryTemplateFor(baseModel: string): string {
  const name = baseModel.toLowerCase();
  const chat = /instruct|chat|-it\b/.test(name);
  if (/qwen3/.test(name)) return /-base\b/.test(name) ? 'default' : 'qwen3';
  if (/qwen2/.test(name)) return chat ? 'qwen' : 'default';
  if (/llama-?3/.test(name)) return chat ? 'llama3' : 'default';
  if (/smollm/.test(name)) return chat ? 'chatml' : 'default';
  return 'default';
}
