import { useState } from 'react';
import type { Run } from '../../core/runs/run';
import { useModelStore } from '../../state/modelStore';
import { downloadBlob } from '../common/download';
import styles from './HfExportButton.module.css';

/**
 * For a run that started from an imported model: its newest checkpoint as that model's Hugging Face folder
 * (model.safetensors with the original names and layout and the full vocabulary, config.json, tokenizer files),
 * written in a worker and downloaded as one zip of the folder, its files under the names `transformers` expects. A LoRA run is written
 * merged (W + (alpha/r)·(B·A)ᵀ), and also offers its adapters alone as a peft adapter folder.
 */
export function HfExportButton({ run }: { run: Run }) {
  const [state, setState] = useState<{
    busy?: boolean;
    notes?: string[];
    files?: string[];
    zip?: string;
    error?: string;
  }>({});
  const exportRun = useModelStore((s) => s.exportRun);
  const ref = run.settings.model;
  const step = run.lastCheckpoint?.step ?? run.checkpointStep;
  if (ref?.kind !== 'hf' || step === undefined) return null;

  const lora = run.settings.lora;
  const exportFolder = async (as: 'merged' | 'peft') => {
    setState({ busy: true });
    try {
      const out = await exportRun(run, as);
      downloadBlob(out.fileName, new Blob([out.zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      setState({ notes: out.notes, files: out.names, zip: out.fileName });
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
        title={`The run's newest checkpoint in ${ref.name}'s own layout, loadable by transformers, as one zip of the folder`}
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
          Downloaded {state.zip} ({state.files.join(', ')}): unzip it and give its folder to{' '}
          <code>from_pretrained</code>. {state.notes?.join(' ')}
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
