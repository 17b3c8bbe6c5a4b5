import { Component, useState, type ErrorInfo, type ReactNode } from 'react';
import { exportSavedData } from '../../state/storageStore';
import { Banner } from './Banner';
import { downloadText } from './download';
import styles from './ErrorBoundary.module.css';

/**
 * What the page shows instead of a blank screen when a component throws: the error, and the two ways on that lose
 * nothing, since the dataset and the runs stay in this browser's storage: export them as JSON, and reload.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('The studio failed to draw', error, info.componentStack);
  }

  render() {
    return this.state.error ? <StudioFailed error={this.state.error} /> : this.props.children;
  }
}

function StudioFailed({ error }: { error: Error }) {
  const [exportProblem, setExportProblem] = useState<string>();
  const exportData = () => {
    exportSavedData().then(
      (json) =>
        downloadText(`phased-ift-studio-saved-${new Date().toISOString().slice(0, 10)}.json`, json, 'application/json'),
      (problem: Error) => setExportProblem(problem.message),
    );
  };
  return (
    <main>
      <Banner kind="error" title="The studio hit an error and cannot show this page" testId="studio-failed">
        <div className="mono small">{error.message}</div>
        <div>Your dataset and runs are still saved in this browser. Export them to keep a copy, then reload.</div>
        {exportProblem && <div>{exportProblem}</div>}
        <div className={`row ${styles.actions}`}>
          <button className="btn" onClick={exportData}>
            Export saved data (JSON)
          </button>
          <button className="btn primary" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      </Banner>
    </main>
  );
}
