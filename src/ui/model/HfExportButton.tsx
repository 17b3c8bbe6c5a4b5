import { useState } from 'react';
import type { Run } from '../../state/trainStore';
import { loadModelFiles } from '../../storage/modelStorage';
import { loadCheckpointBytes } from '../../storage/runStorage';
import { hfModelClient } from '../../worker/hfModelClient';
import { downloadBlob } from '../common/download';

/** Browsers drop downloads fired in the same tick; a short gap lets each one start. */
const GAP_MS = 200;

const MIME: Record<string, string> = { '.json': 'application/json', '.txt': 'text/plain', '.safetensors': 'application/octet-stream' };

/**
 * For a run that started from an imported model: its newest checkpoint as that model's Hugging Face folder
 * (model.safetensors with the original names and layout and the full vocabulary, config.json, tokenizer files),
 * written in a worker and downloaded file by file under the names `transformers` expects.
 */
export function HfExportButton({ run }: { run: Run }) {
  const [state, setState] = useState<{ busy?: boolean; notes?: string[]; files?: string[]; error?: string }>({});
  const ref = run.settings.model;
  const step = run.lastCheckpoint?.step ?? run.checkpointStep;
  if (ref?.kind !== 'hf' || step === undefined) return null;

  const exportFolder = async () => {
    setState({ busy: true });
    try {
      const bytes = run.lastCheckpoint?.bytes ?? (await loadCheckpointBytes(run.id))?.bytes;
      if (!bytes) throw new Error('this run has no checkpoint yet (one is saved at every phase end and on stop).');
      const stored = await loadModelFiles(ref.id);
      if (!stored) throw new Error(`the imported model ${ref.name} is no longer in this browser; import it again to export this run.`);
      const out = await hfModelClient.exportRun(stored.files, bytes);
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
        onClick={() => void exportFolder()}
      >
        {state.busy ? 'Writing the Hugging Face folder…' : `Hugging Face folder (step ${step})`}
      </button>
      {state.files && (
        <span className="muted" data-testid="hf-export-done">
          Downloaded {state.files.join(', ')}: save them into one folder for <code>from_pretrained</code>. {state.notes?.join(' ')}
        </span>
      )}
      {state.error && (
        <span role="alert" style={{ color: 'var(--danger)' }} data-testid="hf-export-error">
          {state.error}
        </span>
      )}
    </>
  );
}
