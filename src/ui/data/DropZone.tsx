import { useRef, useState, type DragEvent } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { Banner } from '../common/Banner';
import { DropArea } from '../common/DropArea';
import styles from './DropZone.module.css';

const ACCEPT = '.json,.jsonl,.ndjson,.csv,.tsv,.tab,.txt,.parquet';

/** Where a dataset enters the studio: drop a file, pick one, or take the built-in demo. */
export function DropZone() {
  const loadFile = useDatasetStore((s) => s.loadFile);
  const loadDemo = useDatasetStore((s) => s.loadDemo);
  const loading = useDatasetStore((s) => s.loading);
  const ignoredFile = useDatasetStore((s) => s.ignoredFile);
  const dismissIgnoredFile = useDatasetStore((s) => s.dismissIgnoredFile);
  const input = useRef<HTMLInputElement>(null);
  const loadHubDataset = useDatasetStore((s) => s.loadHubDataset);
  const [hubId, setHubId] = useState('');

  const onDrop = (event: DragEvent) => {
    const file = event.dataTransfer.files[0];
    if (file) void loadFile(file);
  };

  return (
    <DropArea testId="dropzone" onDrop={onDrop}>
      <div className={`row ${styles.choices}`}>
        <strong>Drop an instruction dataset here</strong>
        <span className="muted">or</span>
        <button className="btn" onClick={() => input.current?.click()} disabled={!!loading}>
          Choose a file…
        </button>
        <button className="btn primary" onClick={() => void loadDemo()} disabled={!!loading}>
          Try the demo dataset
        </button>
      </div>
      <div className={`row small ${styles.choices}`}>
        <span className="muted">or a Hub dataset with Parquet files</span>
        <input
          type="text"
          aria-label="Hub dataset id"
          data-testid="hub-dataset-id"
          placeholder="tatsu-lab/alpaca"
          value={hubId}
          onChange={(e) => setHubId(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && hubId.trim() && !loading) void loadHubDataset(hubId);
          }}
        />
        <button
          className="btn"
          data-testid="hub-dataset-download"
          disabled={!!loading || !hubId.trim()}
          onClick={() => void loadHubDataset(hubId)}
        >
          Download
        </button>
      </div>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        hidden
        data-testid="file-input"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void loadFile(file);
        }}
      />
      <details className="formats muted small" data-testid="formats-help">
        <summary>
          Alpaca · PhasedSFT · Dolly · ShareGPT · OpenAI messages · CSV/TSV · Parquet — everything stays in this browser
        </summary>
        <table className={`data small ${styles.formatTable}`}>
          <tbody>
            <tr>
              <td>Alpaca JSON array or JSONL</td>
              <td className="mono">{'{"instruction", "input", "output"}'}</td>
            </tr>
            <tr>
              <td>PhasedSFT scored lines</td>
              <td className="mono">{'{"id", "score": "3.5625", "data": [prompt, response]}'}</td>
            </tr>
            <tr>
              <td>Dolly</td>
              <td className="mono">{'{"instruction", "context", "response", "category"}'}</td>
            </tr>
            <tr>
              <td>ShareGPT</td>
              <td className="mono">{'{"conversations": [{"from": "human", "value"}, {"from": "gpt", "value"}]}'}</td>
            </tr>
            <tr>
              <td>OpenAI chat</td>
              <td className="mono">
                {'{"messages": [{"role": "user", "content"}, {"role": "assistant", "content"}]}'}
              </td>
            </tr>
            <tr>
              <td>CSV / TSV / Parquet</td>
              <td>a header row; you map the columns to instruction, input, output, score</td>
            </tr>
            <tr>
              <td>difficulty</td>
              <td>
                a <code>score</code>, <code>difficulty</code> or <code>level</code> field (1–5) is used as is; otherwise
                a heuristic scores
              </td>
            </tr>
          </tbody>
        </table>
      </details>
      {loading && <LoadingBar />}
      {ignoredFile && (
        <div className={styles.notice}>
          <Banner kind="warn" title="One file at a time" onDismiss={dismissIgnoredFile} testId="ignored-file">
            <div>{ignoredFile}</div>
          </Banner>
        </div>
      )}
    </DropArea>
  );
}

function LoadingBar() {
  const loading = useDatasetStore((s) => s.loading)!;
  const cancel = useDatasetStore((s) => s.cancelLoading);
  const progress = loading.progress;
  const pct = Math.round((progress?.fraction ?? 0) * 100);
  const stage = progress?.stage === 'scoring' ? 'Scoring' : 'Reading';
  return (
    <div className={styles.loading} role="status" aria-live="polite" data-testid="loading">
      <div className={`row small muted ${styles.loadingLine}`}>
        <span>
          {stage} {loading.fileName}…
        </span>
        <span>
          {progress ? `${progress.records.toLocaleString()} records · ${pct}%` : 'starting'}{' '}
          <button className="btn link" onClick={cancel}>
            Cancel
          </button>
        </span>
      </div>
      <div className="progress">
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
