import { useRecordedResultsStore } from '../../state/recordedResultsStore';
import { Banner } from '../common/Banner';
import styles from './RecordedResults.module.css';

/** One click to a measured comparison: the shipped recorded results open in Compare. */
export function OpenRecordedResultsButton({ onOpened, primary = false }: { onOpened?: () => void; primary?: boolean }) {
  const status = useRecordedResultsStore((s) => s.status);
  const open = useRecordedResultsStore((s) => s.open);
  return (
    <button
      className={`btn${primary ? ' primary' : ''}`}
      data-testid="open-recorded-results"
      disabled={status === 'loading'}
      title="Phased vs one-off on the demo, measured with npm run experiment and shipped with the studio: explore it while your own run trains"
      onClick={() => void open().then(() => useRecordedResultsStore.getState().status === 'open' && onOpened?.())}
    >
      {status === 'loading' ? 'Opening recorded results…' : 'Open recorded results'}
    </button>
  );
}

/** What the recorded runs are and where they come from, with Remove; or why they could not be opened. */
export function RecordedResultsLabel() {
  const { status, label, setup, runs, error, remove } = useRecordedResultsStore();
  if (status === 'error') {
    return (
      <Banner kind="error" title="Recorded results" onDismiss={remove} testId="recorded-error">
        <div>{error}</div>
      </Banner>
    );
  }
  if (status !== 'open' || !label || !setup) return null;
  return (
    <div className={`banner warn small ${styles.label}`} data-testid="recorded-label">
      <div className="grow">
        <strong>Recorded results, not your runs: {runs.length} runs measured before you opened the studio</strong>
        <div>
          Machine: {label.machine}. Date: {label.date.slice(0, 10)}. Command: <code>{label.command}</code>. Seeds:{' '}
          {label.seeds.join(', ')}. Commit: <span className="mono">{label.commit}</span>.
        </div>
        <div className="muted">
          {setup.dataset} from {setup.baseModel}: {(setup.trainFraction * 100).toFixed(0)}% of each phase (
          {setup.trainRecords.toLocaleString('en')} training records), {setup.heldOutRecords.toLocaleString('en')} held
          out, rows of {setup.contextLength} tokens. They stay in this tab only: never stored with your runs.
          {label.note ? ` ${label.note}` : ''}
        </div>
      </div>
      <button className="btn" data-testid="remove-recorded-results" onClick={remove}>
        Remove
      </button>
    </div>
  );
}
