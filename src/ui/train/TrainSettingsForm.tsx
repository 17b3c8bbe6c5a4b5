import { architectureLabel } from '../../core/hf/familyLabel';
import { GPT_PRESETS, type GptConfig, type GptPresetName } from '../../core/model/config';
import { defaultLora, modelLoraTargets } from '../../core/model/loraSettings';
import type { ArmSpec } from '../../core/train/arms';
import { useTrainStore } from '../../state/trainStore';
import { useModelStore } from '../../state/modelStore';
import { BASE_MODEL, useBaseModelStore } from '../../state/baseModelStore';
import type { BackendPreference } from '../../core/runs/settings';
import { HYPER_LIMITS, RUN_LIMITS } from '../../core/runs/settingLimits';
import { NumberField } from '../common/NumberField';
import { inPercent } from '../common/numberInput';
import { LoraSettingsFields } from './LoraSettingsFields';
import { TemplateSelect } from './TemplateSelect';
import styles from './TrainSettingsForm.module.css';

const ARMS: { value: ArmSpec['kind']; label: string }[] = [
  { value: 'easy-to-hard', label: 'Phased, easy → hard (the paper)' },
  { value: 'one-off', label: 'One-off: all data shuffled (baseline)' },
  { value: 'hard-to-easy', label: 'Phased, hard → easy' },
  { value: 'random-stages', label: 'Random stages (same sizes)' },
  { value: 'custom', label: 'Custom phase order' },
];

const BACKENDS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Automatic (fastest available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WebAssembly (CPU)' },
  { value: 'cpu', label: 'Plain JavaScript (CPU)' },
];

/** Random initialisation at one of the sizes, or pretrained weights (the demo base model, or an imported model). */
function ModelSelect() {
  const settings = useTrainStore((s) => s.settings);
  const chooseModel = useTrainStore((s) => s.chooseModel);
  const baseAvailable = useBaseModelStore((s) => s.status === 'available');
  const imported = useModelStore((s) => s.models);
  const selectImported = useModelStore((s) => s.selectForTraining);
  const missing =
    settings.model?.kind === 'hf' && !imported.some((m) => settings.model?.kind === 'hf' && m.id === settings.model.id)
      ? settings.model
      : undefined;
  const value = settings.model
    ? `${settings.model.kind}:${settings.model.kind === 'hf' ? settings.model.id : ''}`
    : `preset:${settings.preset}`;
  return (
    <label className="field">
      Model
      <select
        aria-label="Model"
        value={value}
        onChange={(e) => {
          const [kind, rest] = e.target.value.split(':') as [string, string];
          if (kind === 'preset') chooseModel({ preset: rest as GptPresetName, model: undefined });
          else if (kind === 'base') chooseModel({ model: BASE_MODEL });
          else if (kind === 'hf') selectImported(rest);
        }}
      >
        {baseAvailable && <option value="base:">Demo base model (pretrained on plain statements, char-level)</option>}
        {imported.map((m) => {
          const c = m.description.config;
          return (
            <option key={m.id} value={`hf:${m.id}`}>
              {m.name}: imported {architectureLabel(m.description.architecture)}, {c.layers} layers × {c.width},
              vocabulary {c.vocabSize}
            </option>
          );
        })}
        {missing && <option value={`hf:${missing.id}`}>{missing.name} (imported model not in this browser)</option>}
        {(Object.keys(GPT_PRESETS) as GptPresetName[]).map((name) => {
          const p = GPT_PRESETS[name];
          return (
            <option key={name} value={`preset:${name}`}>
              {name}: {p.layers} layers × {p.width}, context {p.contextLength}, random initialisation (not pretrained)
            </option>
          );
        })}
      </select>
    </label>
  );
}

/** The LoRA targets an imported model has and the ones switching LoRA on starts with (GPT-2's otherwise). */
function loraChoicesOf(config: GptConfig | undefined) {
  return config ? { targets: modelLoraTargets(config), defaults: defaultLora(config) } : {};
}

/** Everything a run is made of, with defaults that suit a small model on a laptop GPU. */
export function TrainSettingsForm({ phaseCount, disabled }: { phaseCount: number; disabled: boolean }) {
  const settings = useTrainStore((s) => s.settings);
  const update = useTrainStore((s) => s.update);
  const updateHyper = useTrainStore((s) => s.updateHyper);
  const imported = useModelStore((s) => s.models);
  const picked = settings.model;
  const pickedConfig = picked?.kind === 'hf' ? imported.find((m) => m.id === picked.id)?.description.config : undefined;
  const h = settings.hyper;
  const customOrder =
    settings.arm.kind === 'custom'
      ? settings.arm.order.join(', ')
      : Array.from({ length: phaseCount }, (_, i) => i + 1).join(', ');

  return (
    <fieldset disabled={disabled} className={styles.form}>
      <div className="row">
        <label className="field">
          Arm
          <select
            aria-label="Arm"
            value={settings.arm.kind}
            onChange={(e) => {
              const kind = e.target.value as ArmSpec['kind'];
              update({
                arm:
                  kind === 'custom' ? { kind, order: Array.from({ length: phaseCount }, (_, i) => i + 1) } : { kind },
              });
            }}
          >
            {ARMS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        {settings.arm.kind === 'custom' && (
          <label className="field">
            Order
            <input
              key={customOrder}
              type="text"
              aria-label="Custom phase order"
              defaultValue={customOrder}
              placeholder="e.g. 2, 1, 3"
              onBlur={(e) => {
                const order = e.target.value
                  .split(/[\s,]+/)
                  .filter(Boolean)
                  .map(Number);
                if (order.every((n) => Number.isInteger(n) && n >= 1 && n <= phaseCount))
                  update({ arm: { kind: 'custom', order } });
              }}
            />
          </label>
        )}
      </div>
      <div className="row">
        <ModelSelect />
        <TemplateSelect />
        <label className="field">
          Backend
          <select
            aria-label="Backend"
            value={settings.backend}
            onChange={(e) => update({ backend: e.target.value as BackendPreference })}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <NumberField
          label="Epochs per phase"
          value={h.epochsPerPhase}
          limit={HYPER_LIMITS.epochsPerPhase}
          step={1}
          onChange={(v) => updateHyper({ epochsPerPhase: Math.max(1, Math.round(v)) })}
        />
        <NumberField
          label="Learning rate"
          value={h.lr}
          limit={HYPER_LIMITS.lr}
          onChange={(v) => updateHyper({ lr: v })}
        />
        <NumberField
          label="Batch"
          value={h.batchSize}
          limit={HYPER_LIMITS.batchSize}
          step={1}
          onChange={(v) => updateHyper({ batchSize: Math.max(1, Math.round(v)) })}
        />
        <NumberField
          label="Seed"
          value={settings.seed}
          limit={RUN_LIMITS.seed}
          step={1}
          onChange={(v) => update({ seed: Math.round(v) })}
        />
        <NumberField
          label="Share of each phase, % (100 = all)"
          value={Math.round(settings.trainShare * 1000) / 10}
          limit={inPercent(RUN_LIMITS.trainShare)}
          onChange={(v) => update({ trainShare: v / 100 })}
        />
      </div>
      <LoraSettingsFields {...loraChoicesOf(pickedConfig)} />
      <details>
        <summary className="small">More settings</summary>
        <div className={`row ${styles.moreSettings}`}>
          <NumberField
            label="Warm-up ratio"
            value={h.warmupRatio}
            limit={HYPER_LIMITS.warmupRatio}
            onChange={(v) => updateHyper({ warmupRatio: v })}
          />
          <NumberField
            label="Weight decay"
            value={h.weightDecay}
            limit={HYPER_LIMITS.weightDecay}
            onChange={(v) => updateHyper({ weightDecay: v })}
          />
          <NumberField
            label="Grad clip"
            value={h.clipNorm}
            limit={HYPER_LIMITS.clipNorm}
            onChange={(v) => updateHyper({ clipNorm: v })}
          />
          <NumberField
            label="Min LR ratio"
            value={h.minLrRatio}
            limit={HYPER_LIMITS.minLrRatio}
            onChange={(v) => updateHyper({ minLrRatio: v })}
          />
          <NumberField
            label="Grad accumulation"
            value={h.gradAccumulation}
            limit={HYPER_LIMITS.gradAccumulation}
            step={1}
            onChange={(v) => updateHyper({ gradAccumulation: Math.max(1, Math.round(v)) })}
          />
          <NumberField
            label="Replay fraction"
            value={h.replayFraction}
            limit={HYPER_LIMITS.replayFraction}
            onChange={(v) => updateHyper({ replayFraction: v })}
          />
          <NumberField
            label="Max steps (0 = all)"
            value={settings.maxSteps}
            limit={RUN_LIMITS.maxSteps}
            step={1}
            onChange={(v) => update({ maxSteps: Math.max(0, Math.round(v)) })}
          />
          <NumberField
            label="Log every"
            value={settings.logEvery}
            limit={RUN_LIMITS.logEvery}
            step={1}
            onChange={(v) => update({ logEvery: Math.max(1, Math.round(v)) })}
          />
          <NumberField
            label="Eval every (0 = phase ends)"
            value={settings.evalEvery}
            limit={RUN_LIMITS.evalEvery}
            step={1}
            onChange={(v) => update({ evalEvery: Math.max(0, Math.round(v)) })}
          />
          <label className="field">
            <input
              type="checkbox"
              checked={h.restartSchedulePerPhase}
              onChange={(e) => updateHyper({ restartSchedulePerPhase: e.target.checked })}
            />
            Restart warm-up + cosine each phase
          </label>
          <label className="field">
            <input
              type="checkbox"
              checked={h.resetOptimizerPerPhase}
              onChange={(e) => updateHyper({ resetOptimizerPerPhase: e.target.checked })}
            />
            Reset optimizer each phase
          </label>
        </div>
      </details>
    </fieldset>
  );
}
