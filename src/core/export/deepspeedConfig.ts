import type { DeepSpeedStage } from './scaleOutOptions';

/** LLaMA-Factory's examples/deepspeed configs: "auto" lets the HF Trainer fill batch sizes, clip and precision. */
export function deepspeedConfigJson(stage: DeepSpeedStage): string {
  const common = {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    fp16: {
      enabled: 'auto',
      loss_scale: 0,
      loss_scale_window: 1000,
      initial_scale_power: 16,
      hysteresis: 2,
      min_loss_scale: 1,
    },
    bf16: { enabled: 'auto' },
  };
  const zero =
    stage === 'z3'
      ? {
          stage: 3,
          overlap_comm: false,
          contiguous_gradients: true,
          sub_group_size: 1e9,
          reduce_bucket_size: 'auto',
          stage3_prefetch_bucket_size: 'auto',
          stage3_param_persistence_threshold: 'auto',
          stage3_max_live_parameters: 1e9,
          stage3_max_reuse_distance: 1e9,
          // full 16-bit weights in output_dir, so the next stage can load them as an ordinary model
          stage3_gather_16bit_weights_on_model_save: true,
        }
      : {
          stage: 2,
          allgather_partitions: true,
          allgather_bucket_size: 5e8,
          overlap_comm: false,
          reduce_scatter: true,
          reduce_bucket_size: 5e8,
          contiguous_gradients: true,
          round_robin_gradients: true,
        };
  return `${JSON.stringify({ ...common, zero_optimization: zero }, null, 2)}\n`;
}
