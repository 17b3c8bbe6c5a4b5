import type { StoredDataset } from '../../core/data/storedDataset';
import { useDatasetStore } from '../../state/datasetStore';
import styles from './DatasetSummary.module.css';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

export function DatasetSummary({ dataset }: { dataset: StoredDataset }) {
  const unload = useDatasetStore((s) => s.unload);
  return (
    <>
      <div className="panel-head">
        <h2 data-testid="dataset-name">{dataset.fileName}</h2>
        <span className="muted" data-testid="dataset-format">
          {dataset.formatLabel}
        </span>
        <span className="spacer" />
        <button className="btn" onClick={() => void unload()}>
          Unload
        </button>
      </div>
      <div className={`stats ${styles.stats}`}>
        <div className="stat">
          <div className="value" data-testid="accepted-count">
            {dataset.report.accepted.toLocaleString()}
          </div>
          <div className="label">records accepted</div>
        </div>
        <div className="stat">
          <div
            className={dataset.report.rejected.length ? `value ${styles.rejected}` : 'value'}
            data-testid="rejected-count"
          >
            {dataset.report.rejected.length.toLocaleString()}
          </div>
          <div className="label">rows rejected</div>
        </div>
        <div className="stat">
          <div className="value">{dataset.report.warnings.length.toLocaleString()}</div>
          <div className="label">warnings</div>
        </div>
        <div className="stat">
          <div className="value">{formatBytes(dataset.byteSize)}</div>
          <div className="label">file size</div>
        </div>
      </div>
    </>
  );
}
