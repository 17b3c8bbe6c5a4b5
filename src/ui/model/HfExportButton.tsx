import { useState } from 'react';
import type { Run } from '../../core/runs/run';
import { useModelStore } from '../../state/modelStore';
import { downloadBlob } from '../common/download';
import styles from './HfExportButton.module.css';

/** Browsers drop downloads fired in the same tick; a short gap lets each one start. */
const GAP_MS = 200;

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.safetensors': 'application/octet-stream',
};

/**
 * For a run that started from an imported model: its newest checkpoint as that model's Hugging Face folder
 * (model.safetensors with the original names and layout and the full vocabulary, config.json, tokenizer files),
 * written in a worker and downloaded file by file under the names `transformers` expects. A LoRA run is written
 * merged (W + (alpha/r)·(B·A)ᵀ), and also offers its adapters alone as a peft adapter folder.
 */
export function HfExportButton({ run }: { run: Run }) {
  const [state, setState] = useState<{ busy?: boolean; notes?: string[]; files?: string[]; error?: string }>({});
  const exportRun = useModelStore((s) => s.exportRun);
  const ref = run.settings.model;
  const step = run.lastCheckpoint?.step ?? run.checkpointStep;
  if (ref?.kind !== 'hf' || step === undefined) return null;

  const lora = run.settings.lora;
  const exportFolder = async (as: 'merged' | 'peft') => {
    setState({ busy: true });
    try {
      const out = await exportRun(run, as);
      const names = Object.keys(out.files);
      for (const [i, name] of names.entries()) {
        const content = out.files[name]!;
        const type = MIME[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
        downloadBlob(name, new Blob([content as BlobPart], { type }));
        if (i < names.length - 1) await new Promise((r) => setTimeout(r, GAP_MS));
      }
      setState({ notes: out.notes, files: names });
    } catch (error) {
      setState({ error: `Could not export the Hugging Face folder: ${(error as Error).message}` });
    }
  };

  return (
    <>
      <button
        className="btn"
        data-testid="hf-export"
        disabled={state.busy}
        title={`The run's newest checkpoint in ${ref.name}'s own layout, loadable by transformers; save the files into one folder`}
        onClick={() => void exportFolder('merged')}
      >
        {state.busy
          ? 'Writing the Hugging Face folder…'
          : `Hugging Face folder${lora ? ', LoRA merged' : ''} (step ${step})`}
      </button>
      {lora && (
        <button
          className="btn"
          data-testid="peft-export"
          disabled={state.busy}
          title={`The run's LoRA adapters as a peft adapter folder (adapter_config.json + adapter_model.safetensors) for ${ref.name}: PeftModel.from_pretrained(base, folder)`}
          onClick={() => void exportFolder('peft')}
        >
          {`PEFT adapter (step ${step})`}
        </button>
      )}
      {state.files && (
        <span className="muted" data-testid="hf-export-done">
          Downloaded {state.files.join(', ')}: save them into one folder for <code>from_pretrained</code>.{' '}
          {state.notes?.join(' ')}
        </span>
      )}
      {state.error && (
        <span role="alert" className={styles.error} data-testid="hf-export-error">
          {state.error}
        </span>
      )}
    </>
  );
}
