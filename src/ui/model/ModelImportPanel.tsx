import { architectureLabel } from '../../core/hf/familyLabel';
import { useEffect, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { defaultLora, loraParameterCount } from '../../core/model/loraSettings';
import { checkTrainingMemory, estimateTrainingMemory, type AdapterLimits } from '../../core/model/memoryEstimate';
import { pruningStats } from '../../core/model/vocabPruning';
import { useDatasetStore } from '../../state/datasetStore';
import { totalBytes, useModelStore, type StoredModelMeta } from '../../state/modelStore';
import { useTrainStore } from '../../state/trainStore';
import { Banner } from '../common/Banner';
import { DropArea } from '../common/DropArea';
import { HubAccessFields } from './HubAccessFields';
import { filesOfDrop, filesOfList } from './readDrop';
import styles from './ModelImportPanel.module.css';

const MiB = 2 ** 20;
export function formatBytes(n: number): string {
  return n >= 1024 * MiB
    ? `${(n / 1024 / MiB).toFixed(2)} GiB`
    : n >= MiB
      ? `${(n / MiB).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(1)} KiB`;
}

function formatParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** The WebGPU adapter's buffer limits as this page sees them: null without WebGPU, undefined while asking. */
function useAdapterLimits(): AdapterLimits | null | undefined {
  const [limits, setLimits] = useState<AdapterLimits | null>();
  useEffect(() => {
    let live = true;
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const ask = gpu ? gpu.requestAdapter({ powerPreference: 'high-performance' }) : Promise.resolve(null);
    ask.then(
      (adapter) =>
        live &&
        setLimits(
          adapter
            ? {
                maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
                maxBufferSize: adapter.limits.maxBufferSize,
              }
            : null,
        ),
      () => live && setLimits(null),
    );
    return () => {
      live = false;
    };
  }, []);
  return limits;
}

/**
 * Import a pretrained model (GPT-2, GPT-Neo, Llama, Qwen2, Qwen3): drop its Hugging Face folder or files, or give a base
 * URL. The folder is checked in a worker; what it holds, what was adapted and what a training step will need are
 * shown; it then appears in the Model menu. A bad file gets a message naming it, and nothing imported before is lost.
 */
export function ModelImportPanel() {
  const restore = useModelStore((s) => s.restore);
  const models = useModelStore((s) => s.models);
  const activity = useModelStore((s) => s.activity);
  const problem = useModelStore((s) => s.problem);
  const pending = useModelStore((s) => s.pending);
  const ignored = useModelStore((s) => s.ignored);
  const lastImported = useModelStore((s) => s.lastImported);
  const importFiles = useModelStore((s) => s.importFiles);
  const dropUnreadable = useModelStore((s) => s.dropUnreadable);
  const importUrl = useModelStore((s) => s.importUrl);
  const cancel = useModelStore((s) => s.cancel);
  const clearPending = useModelStore((s) => s.clearPending);
  const [url, setUrl] = useState('');
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void restore();
  }, [restore]);

  const onPicked = (event: ChangeEvent<HTMLInputElement>) => {
    const files = filesOfList(event.target.files);
    event.target.value = '';
    if (files.length > 0) void importFiles(files);
  };
  const onDrop = (event: DragEvent) => {
    void filesOfDrop(event.dataTransfer).then((files) => importFiles(files), dropUnreadable);
  };
  const busy = Boolean(activity);

  return (
    <details className={`model-import ${styles.panel}`} data-testid="model-import">
      <summary className="small">
        <strong>Import a pretrained model</strong>{' '}
        <span className="muted">
          GPT-2, TinyStories (GPT-Neo), SmolLM2 and Llama 3.2 (Llama), Qwen2.5, Qwen3 from a Hugging Face folder or the
          Hub
          {models.length > 0 ? ` · ${models.length} imported` : ''}
        </span>
      </summary>
      <DropArea testId="model-dropzone" onDrop={onDrop} className={styles.dropArea}>
        <div className={`row ${styles.centered}`}>
          <strong>Drop a model folder or its files here</strong>
          <span className="muted small">
            config.json · model.safetensors (or shards + index) · tokenizer.json (or vocab.json + merges.txt)
          </span>
        </div>
        <div className={`row small ${styles.sources}`}>
          <button className="btn" disabled={busy} onClick={() => filesInput.current?.click()}>
            Choose files…
          </button>
          <button className="btn" disabled={busy} onClick={() => folderInput.current?.click()}>
            Choose a folder…
          </button>
          <span className="muted">or from the Hub</span>
          <input
            type="text"
            aria-label="Model id or base URL"
            data-testid="model-url"
            placeholder="HuggingFaceTB/SmolLM2-135M-Instruct, owner/name@revision, or …/resolve/main/"
            value={url}
            className={styles.url}
            onChange={(e) => setUrl(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && url.trim() && !busy) void importUrl(url);
            }}
          />
          <button
            className="btn"
            data-testid="model-url-download"
            disabled={busy || !url.trim()}
            onClick={() => void importUrl(url)}
          >
            Download
          </button>
        </div>
        <HubAccessFields />
        <input ref={filesInput} type="file" multiple hidden data-testid="model-file-input" onChange={onPicked} />
        <input
          ref={(el) => {
            folderInput.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          multiple
          hidden
          data-testid="model-folder-input"
          onChange={onPicked}
        />
        {activity && (
          <div
            className={styles.status}
            role="status"
            aria-live="polite"
            data-testid="model-import-status"
            data-stage={activity.stage}
            data-file={activity.file}
            data-kept={activity.keptBytes}
          >
            <div className={`row small muted ${styles.statusLine}`}>
              <span>{activity.detail}</span>
              {activity.stage === 'downloading' && (
                <button className="btn link" onClick={cancel}>
                  Cancel
                </button>
              )}
            </div>
            <div className="progress">
              <div
                style={{
                  width: `${Math.round((activity.fraction ?? (activity.stage === 'checking' ? 0.5 : 0)) * 100)}%`,
                }}
              />
            </div>
          </div>
        )}
      </DropArea>
      {problem && (
        <div className={styles.problem} data-testid="model-import-error" data-file={problem.file}>
          <Banner kind="error" title="Could not import the model">
            <div>{problem.message}</div>
            {models.length > 0 && <div className="small">The models imported before are untouched.</div>}
          </Banner>
        </div>
      )}
      {pending && (
        <div className={`row small muted ${styles.leftOver}`} data-testid="model-pending">
          <span>Kept from the last drop: {Object.keys(pending.files).join(', ')}.</span>
          <button className="btn link" onClick={clearPending}>
            Clear
          </button>
        </div>
      )}
      {ignored.length > 0 && (
        <div className={`small muted ${styles.leftOver}`} data-testid="model-ignored">
          Left out: {ignored.map((i) => `${i.path} (${i.why})`).join('; ')}.
        </div>
      )}
      {lastImported && (
        <p className="small" role="status" data-testid="model-imported">
          {lastImported.replaced
            ? 'The same model was imported again: its entry was refreshed.'
            : 'Imported: it is now in the Model menu.'}
        </p>
      )}
      <div className={styles.models}>
        {models.map((m) => (
          <ImportedModelCard key={m.id} model={m} />
        ))}
      </div>
    </details>
  );
}

function ImportedModelCard({ model }: { model: StoredModelMeta }) {
  const selected = useTrainStore((s) => s.settings.model?.kind === 'hf' && s.settings.model.id === model.id);
  const updateModel = useModelStore((s) => s.updateModel);
  const removeModel = useModelStore((s) => s.removeModel);
  const selectForTraining = useModelStore((s) => s.selectForTraining);
  const d = model.description;
  const c = d.config;
  const capped = c.contextLength < d.positions;
  const dtypes = Object.entries(d.storedDtypes)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return (
    <div className="example" data-testid="imported-model" data-model-id={model.id} data-selected={selected}>
      <div className="row">
        <strong data-testid="imported-model-name">{model.name}</strong>
        <span className="small muted">
          {architectureLabel(d.architecture)} · {formatBytes(totalBytes(model))} ·{' '}
          {model.origin === 'files' ? 'dropped files' : model.origin}
        </span>
        <span className={styles.spacer} />
        {selected ? (
          <span className="small" data-testid="model-selected">
            ✓ selected for training
          </span>
        ) : (
          <button className="btn" data-testid="model-use" onClick={() => selectForTraining(model.id)}>
            Use for training
          </button>
        )}
        <button
          className="btn link"
          aria-label={`Delete model ${model.name}`}
          onClick={() => void removeModel(model.id)}
        >
          delete
        </button>
      </div>
      <div className={`stats ${styles.stats}`} data-testid="imported-model-stats">
        <Stat label="architecture" value={d.architecture} />
        <Stat label="layers" value={c.layers} />
        <Stat label="width" value={c.width} />
        <Stat
          label="heads"
          value={c.kvHeads !== undefined && c.kvHeads !== c.heads ? `${c.heads} (${c.kvHeads} kv)` : c.heads}
        />
        <Stat label="vocabulary" value={c.vocabSize.toLocaleString('en')} />
        <Stat label={capped ? `context (of ${d.positions})` : 'context'} value={c.contextLength} />
        <Stat label="parameters" value={formatParams(d.parameters)} />
      </div>
      <p className={`small muted ${styles.files}`}>
        Weights: {d.weightFiles.join(', ')} ({dtypes}) · tokenizer: {d.tokenizer.file} (
        {d.tokenizer.vocabSize.toLocaleString('en')} ids, end of text {d.tokenizer.endOfText})
        {c.attentionScale === 'none' ? ' · attention not scaled by 1/√d (GPT-Neo)' : ''}
      </p>
      {d.notes.length > 0 && (
        <ul className={`small ${styles.notes}`} data-testid="imported-model-notes">
          {d.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      <div className={`row small ${styles.settings}`}>
        <label className="field">
          <input
            type="checkbox"
            aria-label="Prune vocabulary"
            checked={model.prune}
            onChange={(e) => void updateModel(model.id, { prune: e.target.checked })}
          />
          Prune the vocabulary to the dataset's tokens (export restores the full one)
        </label>
        <label className="field">
          Training context
          <input
            type="number"
            aria-label="Training context"
            min={16}
            max={c.contextLength}
            step={1}
            value={Math.min(model.maxContext ?? c.contextLength, c.contextLength)}
            className={styles.maxContext}
            onChange={(e) => {
              const v = Math.round(Number(e.target.value));
              if (Number.isFinite(v) && v >= 2)
                void updateModel(model.id, { maxContext: v >= c.contextLength ? undefined : v });
            }}
          />
        </label>
      </div>
      <MemoryLine model={model} />
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="stat">
      <div className={`value ${styles.value}`}>{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}

/** Memory of one training step at the run's batch and this model's context, against the adapter's limits. */
function MemoryLine({ model }: { model: StoredModelMeta }) {
  const hyper = useTrainStore((s) => s.settings.hyper);
  const chosenLora = useTrainStore((s) => s.settings.lora);
  const updateTrain = useTrainStore((s) => s.update);
  const dataset = useDatasetStore((s) => s.dataset);
  const pruneCount = useModelStore((s) => s.pruneCounts[model.id]);
  const countPruned = useModelStore((s) => s.countPruned);
  const limits = useAdapterLimits();
  // the records as a run writes them: the dataset, in the template the form picks
  const templateSetting = useTrainStore((s) => s.settings.template);
  const datasetKey = dataset
    ? `${dataset.fileName}|${dataset.contentHash ?? ''}|${dataset.records.length}|${String(templateSetting)}`
    : undefined;

  useEffect(() => {
    if (dataset && datasetKey && model.prune) void countPruned(model.id, datasetKey, dataset.records);
  }, [dataset, datasetKey, model.id, model.prune, countPruned]);

  const full = model.description.config;
  const T = Math.min(model.maxContext ?? full.contextLength, full.contextLength);
  const B = hyper.batchSize;
  const counted = pruneCount && pruneCount.datasetKey === datasetKey ? pruneCount : undefined;
  const config = model.prune && counted ? { ...full, vocabSize: counted.keptTokens } : full;
  const shape = { batchSize: B, contextLength: T, accumulation: hyper.gradAccumulation > 1 };
  // LoRA as chosen in the run form, or the default one to compare against: gradients and moments of the adapters only.
  const lora = chosenLora ?? defaultLora(config);
  const loraShape = { ...shape, trainableParameters: loraParameterCount(config, lora), lora };
  let verdict;
  let estimate;
  let loraEstimate;
  let loraVerdict;
  try {
    estimate = estimateTrainingMemory(config, shape);
    verdict = limits ? checkTrainingMemory(config, shape, limits) : undefined;
    loraEstimate = estimateTrainingMemory(config, loraShape);
    loraVerdict = limits ? checkTrainingMemory(config, loraShape, limits) : undefined;
  } catch (error) {
    return <p className="small">{(error as Error).message}</p>;
  }
  // The verdict of what the run will do: LoRA when chosen, else full fine-tuning.
  const active = chosenLora ? loraVerdict : verdict;
  const stats =
    counted && model.prune
      ? pruningStats(
          full,
          {
            keep: Array.from({ length: counted.keptTokens }, (_, i) => i),
            originalVocabSize: full.vocabSize,
            counts: [],
          },
          B,
          T,
        )
      : undefined;
  return (
    <div
      className={`small ${styles.memory}`}
      data-testid="model-memory"
      data-fits={verdict ? String(verdict.fits) : 'unknown'}
      data-lora-fits={loraVerdict ? String(loraVerdict.fits) : 'unknown'}
    >
      <div>
        One training step at batch {B}, context {T}
        {model.prune
          ? counted
            ? `, ${counted.keptTokens.toLocaleString('en')} tokens kept`
            : ', vocabulary pruned (counting…)'
          : ''}
        : about <strong>{formatBytes(estimate.total)}</strong> (weights {formatBytes(estimate.weights)}, gradients{' '}
        {formatBytes(estimate.gradients)}, Adam {formatBytes(estimate.adam)}, activations{' '}
        {formatBytes(estimate.activations)}, logits {formatBytes(estimate.logits)}). Largest buffer:{' '}
        {estimate.largestBuffer.what}, {formatBytes(estimate.largestBuffer.bytes)}
        {limits
          ? ` of the adapter's ${formatBytes(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize))} limit.`
          : limits === null
            ? ' (no WebGPU here: no buffer limit to check).'
            : '.'}
      </div>
      <div data-testid="model-memory-lora">
        With LoRA (rank {lora.rank} on {lora.targets.join(', ')}
        {chosenLora ? ', as chosen' : ''}: {loraShape.trainableParameters.toLocaleString('en')} trainable parameters):
        about <strong>{formatBytes(loraEstimate.total)}</strong> (gradients {formatBytes(loraEstimate.gradients)}, Adam{' '}
        {formatBytes(loraEstimate.adam)}).
      </div>
      {verdict && !verdict.fits && loraVerdict?.fits && !chosenLora && (
        <div data-testid="model-memory-offer-lora">
          Full fine-tuning does not fit this GPU, but LoRA does: the base weights stay frozen, so only the adapters need
          gradients and Adam moments.{' '}
          <button className="btn" onClick={() => updateTrain({ lora: defaultLora(config) })}>
            Train with LoRA
          </button>
        </div>
      )}
      {stats && (
        <div data-testid="model-pruning">
          Pruning on {dataset?.fileName}: {stats.keptTokens.toLocaleString('en')} of{' '}
          {stats.originalTokens.toLocaleString('en')} tokens kept, {formatBytes(stats.trainingBytesSaved)} less for
          weights, gradients and Adam, {formatBytes(stats.logitBytesSaved)} less logits per step, about{' '}
          {stats.estimatedSpeedup.toFixed(1)}× faster per step.
        </div>
      )}
      {active && !active.fits && (
        <div className={styles.doesNotFit} role="alert">
          {chosenLora ? 'With LoRA it does not fit either' : 'Does not fit'}: {active.reasons.join(' ')}{' '}
          {active.suggestion
            ? `It fits at batch ${active.suggestion.batchSize}${active.suggestion.contextLength < T ? ` with a training context of ${active.suggestion.contextLength}` : ''}.`
            : active.maxVocabRows !== undefined
              ? `Even batch 1 is too large: the token table must shrink to ${active.maxVocabRows.toLocaleString('en')} rows${model.prune ? '' : ' (turn on vocabulary pruning)'}.`
              : ''}
        </div>
      )}
    </div>
  );
}
