import { useEffect, useMemo, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import {
  DEFAULT_BASE_MODEL,
  DEFAULT_GPUS,
  RECIPE_TEMPLATE_CHOICES,
  recipeTemplateValue,
  resolveScaleOut,
  ScaleOutError,
  scaleOutHyperFromRun,
  scaleOutRecipe,
  TRL_DIR,
  TRL_TESTED_VERSIONS,
  zipFileName,
  zipRecipe,
  type DeepSpeedStage,
  type ScaleOutOptions,
} from '../../core/export/scaleOut';
import type { PhasePlan } from '../../core/phases/plan';
import { DEFAULT_LORA } from '../../core/model/loraSettings';
import { runTemplateFor } from '../../state/modelSource';
import { useTrainStore } from '../../state/trainStore';
import { downloadBlob } from '../common/download';
import styles from './ScaleOutExport.module.css';

type SettingsSource = 'paper' | 'form';

const TESTED = Object.entries(TRL_TESTED_VERSIONS)
  .map(([name, version]) => `${name} ${version}`)
  .join(', ');

function parseOrder(text: string): number[] {
  return text
    .split(/[\s,>→-]+/)
    .filter(Boolean)
    .map(Number);
}

function errorText(error: unknown): string {
  if (error instanceof ScaleOutError) return `${error.message} ${error.hint}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The phases as two recipes for a multi-GPU machine, downloaded as one zip: TRL + accelerate (one Python script;
 * tested end to end by the studio) and LLaMA-Factory (per-phase JSONL, dataset_info.json, one YAML per stage,
 * DeepSpeed config, run scripts), with a README for each.
 */
export function ScaleOutExport({
  plan,
  records,
  scores,
  fileName,
}: {
  plan: PhasePlan;
  records: readonly InstructionRecord[];
  scores: ArrayLike<number> | null;
  fileName: string;
}) {
  const phaseCount = plan.phases.length;
  const [baseModel, setBaseModel] = useState(DEFAULT_BASE_MODEL);
  // '': LLaMA-Factory's template follows the records' template and the base model (resolveScaleOut's default)
  const [template, setTemplate] = useState('');
  // null: the template the training form trains in
  const [recordTemplate, setRecordTemplate] = useState<string | null>(null);
  const [formTemplate, setFormTemplate] = useState('paper');
  const [gpus, setGpus] = useState(DEFAULT_GPUS);
  const [deepspeed, setDeepspeed] = useState<DeepSpeedStage>('z3');
  const [orderText, setOrderText] = useState(() => plan.phases.map((p) => p.index).join(', '));
  const [includeOneOff, setIncludeOneOff] = useState(true);
  const [settingsSource, setSettingsSource] = useState<SettingsSource>('paper');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const trainSettings = useTrainStore((s) => s.settings);
  const [finetuning, setFinetuning] = useState<'full' | 'lora'>(() => (trainSettings.lora ? 'lora' : 'full'));
  const lora = trainSettings.lora ?? DEFAULT_LORA;
  useEffect(() => {
    let live = true;
    runTemplateFor(trainSettings).then(
      (t) => live && setFormTemplate(recipeTemplateValue(t)),
      () => live && setFormTemplate('paper'),
    );
    return () => {
      live = false;
    };
  }, [trainSettings]);
  const recordChoice = recordTemplate ?? formTemplate;
  const promptTemplate = RECIPE_TEMPLATE_CHOICES.find((c) => c.value === recordChoice)!.template;

  const options: ScaleOutOptions = useMemo(
    () => ({
      baseModel,
      template: template.trim() || undefined,
      promptTemplate,
      gpus,
      deepspeed,
      order: parseOrder(orderText),
      includeOneOff,
      baseName: fileName,
      hyper: settingsSource === 'form' ? scaleOutHyperFromRun(trainSettings.hyper, trainSettings.seed) : undefined,
      ...(finetuning === 'lora' ? { lora } : {}),
    }),
    [
      baseModel,
      template,
      promptTemplate,
      gpus,
      deepspeed,
      orderText,
      includeOneOff,
      fileName,
      settingsSource,
      trainSettings,
      finetuning,
      lora,
    ],
  );
  const resolved = useMemo(() => {
    try {
      return { ok: true as const, value: resolveScaleOut(plan, options) };
    } catch (e) {
      return { ok: false as const, error: errorText(e) };
    }
  }, [plan, options]);

  const downloadZip = () => {
    if (!resolved.ok || !scores) return;
    setStatus(null);
    try {
      const files = scaleOutRecipe(plan, records, scores, options);
      const zip = zipRecipe(files, resolved.value.folder);
      downloadBlob(zip.fileName, new Blob([zip.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      setStatus({
        kind: 'ok',
        text: `Downloaded ${zip.fileName} (${files.length} files). Unzip it: ${resolved.value.folder}/${TRL_DIR}/README.md and ${resolved.value.folder}/README.md say how to run each recipe.`,
      });
    } catch (e) {
      setStatus({ kind: 'error', text: errorText(e) });
    }
  };

  const disabled = !scores || !resolved.ok;
  return (
    <section className={styles.export} data-testid="scale-out-export">
      <div>
        <strong>Scale-out recipes (TRL and LLaMA-Factory)</strong>
        <div className="small muted">
          Train these phases on a multi-GPU machine, each stage starting from the previous stage&apos;s output. One zip
          holds two recipes for the same records and settings:
        </div>
        <ul className={`small muted ${styles.recipes}`} data-testid="scale-out-recipes">
          <li>
            <strong>TRL + accelerate</strong> — one Python script for one GPU, several (DDP or DeepSpeed ZeRO-2) or a
            CPU smoke test. <span data-testid="scale-out-tested">Tested end to end with {TESTED}</span>: the studio
            exports, trains on CPU, imports the model (or the LoRA adapter) back and checks the first-step and held-out
            losses match its own.
          </li>
          <li>
            <strong>LLaMA-Factory</strong> — per-phase JSONL, dataset_info.json, one YAML per stage, DeepSpeed ZeRO-2/3
            and run scripts. Its keys are checked against LLaMA-Factory&apos;s argument definitions; it is not run by
            the studio&apos;s tests. It always restarts the schedule and optimizer per stage.
          </li>
        </ul>
      </div>
      <div className="row">
        <label className="field">
          <span>Base model</span>
          <input
            type="text"
            aria-label="Base model"
            value={baseModel}
            onChange={(e) => setBaseModel(e.target.value)}
            placeholder={DEFAULT_BASE_MODEL}
          />
        </label>
        <label className="field">
          <span>Records in</span>
          <select aria-label="Records in" value={recordChoice} onChange={(e) => setRecordTemplate(e.target.value)}>
            {RECIPE_TEMPLATE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
                {c.value === formTemplate ? ' (as the training form)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>LLaMA-Factory template</span>
          <input
            type="text"
            aria-label="LLaMA-Factory template"
            value={template}
            onChange={(e) => setTemplate(e.target.value)}
            placeholder={resolved.ok ? resolved.value.template : 'default'}
          />
        </label>
        <label className="field">
          <span>GPUs per node</span>
          <input
            type="number"
            aria-label="GPUs per node"
            min={1}
            step={1}
            value={gpus}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (e.target.value !== '' && Number.isFinite(v)) setGpus(v);
            }}
          />
        </label>
        <label className="field">
          <span>DeepSpeed</span>
          <select
            aria-label="DeepSpeed"
            value={deepspeed}
            onChange={(e) => setDeepspeed(e.target.value as DeepSpeedStage)}
          >
            <option value="z3">ZeRO-3 (shards weights; 13B+)</option>
            <option value="z2">ZeRO-2 (faster when it fits)</option>
          </select>
        </label>
        <label className="field">
          <span>Phase order</span>
          <input
            type="text"
            aria-label="Phase order"
            value={orderText}
            onChange={(e) => setOrderText(e.target.value)}
            placeholder={`e.g. ${plan.phases.map((p) => p.index).join(', ')}`}
          />
        </label>
        <label className="field">
          <span>Settings</span>
          <select
            aria-label="Settings"
            value={settingsSource}
            onChange={(e) => setSettingsSource(e.target.value as SettingsSource)}
          >
            <option value="paper">The paper&apos;s (LR 5e-6, 7B full fine-tuning)</option>
            <option value="form">
              This studio&apos;s training form (LR {trainSettings.hyper.lr}, batch {trainSettings.hyper.batchSize})
            </option>
          </select>
        </label>
        <label className="field">
          <span>Fine-tuning</span>
          <select
            aria-label="Fine-tuning"
            value={finetuning}
            onChange={(e) => setFinetuning(e.target.value as 'full' | 'lora')}
          >
            <option value="full">Full (every weight, as the paper)</option>
            <option value="lora">
              LoRA (r {lora.rank}, alpha {lora.alpha}, {lora.targets.join(' + ')}
              {trainSettings.lora ? ', from the training form' : ''})
            </option>
          </select>
        </label>
        <label className="field">
          <span>
            <input
              type="checkbox"
              aria-label="Include one-off baseline"
              checked={includeOneOff}
              onChange={(e) => setIncludeOneOff(e.target.checked)}
            />{' '}
            One-off baseline too
          </span>
        </label>
      </div>
      {resolved.ok ? (
        <div className="small muted" data-testid="scale-out-summary">
          {phaseCount} stages: {resolved.value.stages.map((s) => `phase ${s.phase} (${s.records})`).join(' → ')}
          {resolved.value.oneOff ? `; one-off: ${resolved.value.oneOff.records} records` : ''}. Folder{' '}
          {resolved.value.folder}/.
        </div>
      ) : (
        <div className="small" role="alert" data-testid="scale-out-error">
          {resolved.error}
        </div>
      )}
      {resolved.ok &&
        resolved.value.promptTemplate.kind === 'chat' &&
        resolved.value.promptTemplate.choice === 'model' &&
        resolved.value.template === 'default' && (
          <div className="small" data-testid="scale-out-template-hint">
            The records are written in the base model&apos;s own chat template, and {resolved.value.baseModel} does not
            look like a chat model: give one that ships a template (an -Instruct model), or pick a built-in above. The
            TRL script stops with a message when the model has none.
          </div>
        )}
      {!scores && (
        <div className="small muted">Score the dataset first; the recipe carries each record&apos;s score.</div>
      )}
      <div className="row">
        <button className="btn primary" data-testid="scale-out-download" disabled={disabled} onClick={downloadZip}>
          Download {resolved.ok ? zipFileName(resolved.value.folder) : 'recipe.zip'}
        </button>
      </div>
      {status && (
        <div
          className={status.kind === 'error' ? 'small' : 'small muted'}
          role={status.kind === 'error' ? 'alert' : 'status'}
          data-testid="scale-out-status"
        >
          {status.text}
        </div>
      )}
    </section>
  );
}
