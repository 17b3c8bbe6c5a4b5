/**
 * The `accelerate launch --config_file` files of the TRL recipe: plain data-parallel over the GPUs of one node, and
 * DeepSpeed ZeRO-2 (optimizer state and gradients sharded) reading the recipe's DeepSpeed JSON, whose "auto" values
 * the Trainer fills from train_phased.py's settings. Keys as `accelerate config` writes them (accelerate 1.x,
 * accelerate/commands/config/config_args.py); the interop test loads both with accelerate's own loader.
 */

/** The keys every config shares: one machine, `gpus` processes; `extra` keys go in alphabetical place. */
function oneNode(gpus: number, extra: string[] = []): string[] {
  return [
    'machine_rank: 0',
    'main_training_function: main',
    ...extra,
    'num_machines: 1',
    `num_processes: ${gpus}`,
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ];
}

/** One node, `gpus` processes, DDP; bf16 mixed precision when the recipe trains in bf16. */
export function accelerateMultiGpuYaml(gpus: number, bf16: boolean): string {
  return [
    '# accelerate launch --config_file accelerate_multi_gpu.yaml train_phased.py --arm phased',
    '# One node, data-parallel (DDP). --num_processes N on the command line overrides the GPU count.',
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: MULTI_GPU',
    'downcast_bf16: "no"',
    'gpu_ids: all',
    ...oneNode(gpus, [`mixed_precision: ${bf16 ? 'bf16' : '"no"'}`]),
  ].join('\n');
}

/** One node, `gpus` processes, DeepSpeed with the JSON at `dsConfig` (relative to the folder it is launched from). */
export function accelerateDeepSpeedYaml(gpus: number, dsConfig: string): string {
  return [
    '# accelerate launch --config_file accelerate_zero2.yaml train_phased.py --arm phased   (pip install deepspeed first)',
    `# DeepSpeed ZeRO-2 from ${dsConfig}; precision, batch sizes and clipping come from recipe.json through the Trainer.`,
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    `  deepspeed_config_file: ${dsConfig}`,
    '  zero3_init_flag: false',
    ...oneNode(gpus),
  ].join('\n');
}
