import {
  DEFAULT_LORA,
  FUSED_ATTENTION_TARGETS,
  GELU_MLP_TARGETS,
  LORA_TARGETS,
  type LoraSettings,
  type LoraTarget,
} from '../../core/model/loraSettings';
import { LORA_LIMITS } from '../../core/runs/settingLimits';
import { useTrainStore } from '../../state/trainStore';
import { NumberField } from '../common/NumberField';
import styles from './LoraSettingsFields.module.css';

const TARGET_LABELS: Record<LoraTarget, string> = {
  'attn.c_attn': 'attention q, k, v (c_attn)',
  'attn.c_proj': 'attention output (attn.c_proj)',
  'mlp.c_fc': 'MLP up (c_fc)',
  'mlp.c_proj': 'MLP down (mlp.c_proj)',
  'attn.q_proj': 'attention q (q_proj)',
  'attn.k_proj': 'attention k (k_proj)',
  'attn.v_proj': 'attention v (v_proj)',
  'attn.o_proj': 'attention output (o_proj)',
  'mlp.gate_proj': 'MLP gate (gate_proj)',
  'mlp.up_proj': 'MLP up (up_proj)',
  'mlp.down_proj': 'MLP down (down_proj)',
};

const GPT2_TARGETS: readonly LoraTarget[] = [...FUSED_ATTENTION_TARGETS, ...GELU_MLP_TARGETS];

/**
 * Full fine-tuning or LoRA: with LoRA the base weights are frozen and only the adapters (and the chosen biases and
 * LayerNorms) train, so gradients and AdamW moments shrink to their size. Dropout on the adapters is not offered
 * (peft's lora_dropout 0).
 */
export function LoraSettingsFields({
  targets = GPT2_TARGETS,
  defaults = DEFAULT_LORA,
}: {
  /** The model's projections (`modelLoraTargets(config)`); GPT-2's when not given. */
  targets?: readonly LoraTarget[];
  /** What switching LoRA on starts from (`defaultLora(config)`: a Llama has no c_attn); GPT-2's when not given. */
  defaults?: LoraSettings;
} = {}) {
  const lora = useTrainStore((s) => s.settings.lora);
  const update = useTrainStore((s) => s.update);
  return (
    <div className={styles.fields} data-testid="lora-settings">
      <label className="field">
        <input
          type="checkbox"
          aria-label="Train LoRA adapters"
          checked={lora !== undefined}
          onChange={(e) =>
            update({ lora: e.target.checked ? { ...defaults, targets: [...defaults.targets] } : undefined })
          }
        />
        LoRA: train low-rank adapters, base weights frozen (much less memory for gradients and Adam)
      </label>
      {lora && (
        <div className="row">
          <NumberField
            label="LoRA rank r"
            value={lora.rank}
            limit={LORA_LIMITS.rank}
            step={1}
            onChange={(v) => update({ lora: { ...lora, rank: Math.round(v) } })}
          />
          <NumberField
            label="LoRA alpha"
            value={lora.alpha}
            limit={LORA_LIMITS.alpha}
            onChange={(v) => update({ lora: { ...lora, alpha: v } })}
          />
          {targets.map((t) => (
            <label className="field" key={t}>
              <input
                type="checkbox"
                aria-label={`LoRA on ${t}`}
                checked={lora.targets.includes(t)}
                disabled={lora.targets.length === 1 && lora.targets.includes(t)}
                onChange={(e) =>
                  update({
                    lora: {
                      ...lora,
                      targets: e.target.checked
                        ? LORA_TARGETS.filter((x) => x === t || lora.targets.includes(x))
                        : lora.targets.filter((x) => x !== t),
                    },
                  })
                }
              />
              {TARGET_LABELS[t]}
            </label>
          ))}
          <label className="field">
            <input
              type="checkbox"
              checked={lora.biases}
              onChange={(e) => update({ lora: { ...lora, biases: e.target.checked } })}
            />
            Train every bias too (peft bias “all”)
          </label>
          <label className="field">
            <input
              type="checkbox"
              checked={lora.layerNorms}
              onChange={(e) => update({ lora: { ...lora, layerNorms: e.target.checked } })}
            />
            Train the LayerNorms too
          </label>
          <span className="small muted">
            Scale alpha / r = {(lora.alpha / lora.rank).toPrecision(3)}; no adapter dropout (lora_dropout 0).
          </span>
        </div>
      )}
    </div>
  );
}
