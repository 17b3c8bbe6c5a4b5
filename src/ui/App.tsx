import { useEffect, useState } from 'react';
import { useDatasetStore } from '../state/datasetStore';
import { usePhasesStore } from '../state/phasesStore';
import { useTrainStore } from '../state/trainStore';
import { useBaseModelStore } from '../state/baseModelStore';
import { useStorageStore } from '../state/storageStore';
import { Banner } from './common/Banner';
import { ErrorBoundary } from './common/ErrorBoundary';
import { DataScreen } from './data/DataScreen';
import { TrainScreen } from './train/TrainScreen';
import { CompareScreen } from './compare/CompareScreen';
import { OpenRecordedResultsButton } from './compare/RecordedResults';
import styles from './App.module.css';

type Screen = 'data' | 'train' | 'compare';

export function App() {
  return (
    <ErrorBoundary>
      <Studio />
    </ErrorBoundary>
  );
}

function Studio() {
  const restore = useDatasetStore((s) => s.restore);
  const restoreRuns = useTrainStore((s) => s.restoreRuns);
  const hasPlan = usePhasesStore((s) => !!s.plan);
  const [screen, setScreen] = useState<Screen>('data');
  const checkBaseModel = useBaseModelStore((s) => s.check);
  const adoptBaseModel = useTrainStore((s) => s.adoptBaseModel);
  const connection = useStorageStore((s) => s.connection);
  const restoredNote = useTrainStore((s) => s.restoredNote);
  const dismissRestoredNote = useTrainStore((s) => s.dismissRestoredNote);
  useEffect(() => {
    // A reload in the middle of a run lands where it can be resumed, not on Data & phases.
    void Promise.all([restore(), restoreRuns()]).then(() => {
      if (useTrainStore.getState().runs.some((r) => r.status === 'interrupted')) setScreen('train');
    });
    void checkBaseModel().then((status) => status === 'available' && adoptBaseModel());
  }, [restore, restoreRuns, checkBaseModel, adoptBaseModel]);

  return (
    <>
      <header className="app-header">
        <h1>Phased IFT Studio</h1>
        <span className="tagline">instruction fine-tuning, easy → hard, on your own GPU</span>
        <nav>
          <button aria-current={screen === 'data' ? 'page' : undefined} onClick={() => setScreen('data')}>
            Data &amp; phases
          </button>
          <button
            aria-current={screen === 'train' ? 'page' : undefined}
            onClick={() => setScreen('train')}
            disabled={!hasPlan}
            title={hasPlan ? undefined : 'Load a dataset first'}
          >
            Train
          </button>
          <button aria-current={screen === 'compare' ? 'page' : undefined} onClick={() => setScreen('compare')}>
            Compare
          </button>
        </nav>
      </header>
      <main>
        {connection && (
          <Banner
            kind={connection.kind === 'blocked' ? 'warn' : 'error'}
            title="Saved data"
            testId="storage-connection"
          >
            <div>{connection.message}</div>
          </Banner>
        )}
        {restoredNote && (
          <Banner kind="warn" title="Training" onDismiss={dismissRestoredNote} testId="restored-note">
            <div>{restoredNote}</div>
          </Banner>
        )}
        {screen === 'data' && !hasPlan && (
          <p className={`small muted ${styles.recordedInvite}`} data-testid="recorded-invite">
            See the comparison first: phased vs one-off on the demo, measured with <code>npm run experiment</code> and
            shipped with the studio. <OpenRecordedResultsButton onOpened={() => setScreen('compare')} />
          </p>
        )}
        {/* Both screens stay mounted so a run keeps its chart and the data screen keeps its scroll and search. */}
        <div className={styles.screen} hidden={screen !== 'data'}>
          <DataScreen />
        </div>
        <div className={styles.screen} hidden={screen !== 'train'}>
          <TrainScreen />
        </div>
        {screen === 'compare' && <CompareScreen />}
      </main>
    </>
  );
}
