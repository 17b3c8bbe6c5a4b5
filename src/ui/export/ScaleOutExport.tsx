import { useMemo, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import {
  bundleFileName,
  bundleScript,
  DEFAULT_BASE_MODEL,
  DEFAULT_GPUS,
  DEFAULT_TEMPLATE,
  flatDownloadName,
  resolveScaleOut,
  ScaleOutError,
  scaleOutRecipe,
  type DeepSpeedStage,
  type ExportFile,
  type ScaleOutOptions,
} from '../../core/export/scaleOut';
import type { PhasePlan } from '../../core/phases/plan';
import { downloadText } from '../common/download';

function mimeOf(fileName: string): string {
  if (fileName.endsWith('.jsonl')) return 'application/jsonl';
  if (fileName.endsWith('.json')) return 'application/json';
  if (fileName.endsWith('.yaml')) return 'application/yaml';
  if (fileName.endsWith('.sh')) return 'text/x-shellscript';
  if (fileName.endsWith('.md')) return 'text/markdown';
  return 'text/plain';
}

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

/** Browsers drop downloads fired in the same tick; a short gap lets each one start. */
const GAP_MS = 150;

/**
 * The phases as a LLaMA-Factory setup for a multi-GPU machine (per-phase JSONL, dataset_info.json, one YAML per
 * stage, DeepSpeed config, run scripts, README). Files download one by one as `<folder>__<path>`, or as one
 * self-extracting script.
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
  const [template, setTemplate] = useState(DEFAULT_TEMPLATE);
  const [gpus, setGpus] = useState(DEFAULT_GPUS);
  const [deepspeed, setDeepspeed] = useState<DeepSpeedStage>('z3');
  const [orderText, setOrderText] = useState(() => plan.phases.map((p) => p.index).join(', '));
  const [includeOneOff, setIncludeOneOff] = useState(true);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const options: ScaleOutOptions = useMemo(
    () => ({ baseModel, template, gpus, deepspeed, order: parseOrder(orderText), includeOneOff, baseName: fileName }),
    [baseModel, template, gpus, deepspeed, orderText, includeOneOff, fileName],
  );
  const resolved = useMemo(() => {
    try {
      return { ok: true as const, value: resolveScaleOut(plan, options) };
    } catch (e) {
      return { ok: false as const, error: errorText(e) };
    }
  }, [plan, options]);

  const build = (): ExportFile[] | null => {
    if (!scores) return null;
    try {
      return scaleOutRecipe(plan, records, scores, options);
    } catch (e) {
      setStatus({ kind: 'error', text: errorText(e) });
      return null;
    }
  };

  const downloadAll = async () => {
    if (!resolved.ok) return;
    setBusy(true);
    setStatus(null);
    try {
      const files = build();
      if (!files) return;
      const folder = resolved.value.folder;
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        downloadText(flatDownloadName(folder, f.fileName), f.text, mimeOf(f.fileName));
        if (i < files.length - 1) await new Promise((r) => setTimeout(r, GAP_MS));
      }
      setStatus({
        kind: 'ok',
        text: `Downloaded ${files.length} files named ${folder}__… — the README (${flatDownloadName(folder, 'README.md')}) shows how to put them back into folders.`,
      });
    } finally {
      setBusy(false);
    }
  };

  const downloadBundle = () => {
    if (!resolved.ok) return;
    setStatus(null);
    const files = build();
    if (!files) return;
    const bundle = bundleScript(files, resolved.value.folder);
    downloadText(bundle.fileName, bundle.text, mimeOf(bundle.fileName));
    setStatus({ kind: 'ok', text: `Downloaded ${bundle.fileName}: run "bash ${bundleFileName(resolved.value.folder)}" to write ${resolved.value.folder}/.` });
  };

  const disabled = busy || !scores || !resolved.ok;
  return (
    <section data-testid="scale-out-export" style={{ display: 'grid', gap: 10, marginTop: 12 }}>
      <div>
        <strong>Scale-out recipe (LLaMA-Factory)</strong>
        <div className="small muted">
          Train these phases on a multi-GPU machine: per-phase JSONL, dataset_info.json, one training YAML per stage (each
          starting from the previous stage&apos;s output), DeepSpeed, run scripts and a README, with the paper&apos;s
          settings (LR 5e-6, 2 epochs per stage, cosine, full fine-tuning).
        </div>
      </div>
      <div className="row">
        <label className="field">
          <span>Base model</span>
          <input type="text" aria-label="Base model" value={baseModel} onChange={(e) => setBaseModel(e.target.value)} placeholder={DEFAULT_BASE_MODEL} />
        </label>
        <label className="field">
          <span>Template</span>
          <input type="text" aria-label="Template" value={template} onChange={(e) => setTemplate(e.target.value)} placeholder={DEFAULT_TEMPLATE} />
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
          <select aria-label="DeepSpeed" value={deepspeed} onChange={(e) => setDeepspeed(e.target.value as DeepSpeedStage)}>
            <option value="z3">ZeRO-3 (shards weights; 13B+)</option>
            <option value="z2">ZeRO-2 (faster when it fits)</option>
          </select>
        </label>
        <label className="field">
          <span>Phase order</span>
          <input type="text" aria-label="Phase order" value={orderText} onChange={(e) => setOrderText(e.target.value)} placeholder={`e.g. ${plan.phases.map((p) => p.index).join(', ')}`} />
        </label>
        <label className="field">
          <span>
            <input type="checkbox" aria-label="Include one-off baseline" checked={includeOneOff} onChange={(e) => setIncludeOneOff(e.target.checked)} /> One-off
            baseline too
          </span>
        </label>
      </div>
      {resolved.ok ? (
        <div className="small muted" data-testid="scale-out-summary">
          {phaseCount} stages: {resolved.value.stages.map((s) => `phase ${s.phase} (${s.records})`).join(' → ')}
          {resolved.value.oneOff ? `; one-off: ${resolved.value.oneOff.records} records` : ''}. Folder {resolved.value.folder}/.
        </div>
      ) : (
        <div className="small" role="alert" data-testid="scale-out-error">
          {resolved.error}
        </div>
      )}
      {!scores && <div className="small muted">Score the dataset first; the recipe carries each record&apos;s score.</div>}
      <div className="row">
        <button className="btn primary" data-testid="scale-out-download" disabled={disabled} onClick={() => void downloadAll()}>
          {busy ? 'Downloading…' : 'Download scale-out recipe'}
        </button>
        <button className="btn" data-testid="scale-out-bundle" disabled={disabled} onClick={downloadBundle}>
          As one script ({resolved.ok ? bundleFileName(resolved.value.folder) : 'bundle.sh'})
        </button>
      </div>
      {status && (
        <div className={status.kind === 'error' ? 'small' : 'small muted'} role={status.kind === 'error' ? 'alert' : 'status'} data-testid="scale-out-status">
          {status.text}
        </div>
      )}
    </section>
  );
}
