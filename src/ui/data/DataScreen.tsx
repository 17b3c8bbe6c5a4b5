import { useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { Banner } from '../common/Banner';
import { PhasesPanel } from '../phases/PhasesPanel';
import { ColumnMappingEditor } from './ColumnMappingEditor';
import { DatasetSummary } from './DatasetSummary';
import { DropZone } from './DropZone';
import { RecordTable } from './RecordTable';
import { RecordView } from './RecordView';
import { ValidationReportView } from './ValidationReportView';
import styles from './DataScreen.module.css';

/** Drop a dataset, see what was read and what was not, its difficulty phases, and the records themselves. */
export function DataScreen() {
  const dataset = useDatasetStore((s) => s.dataset);
  const problem = useDatasetStore((s) => s.problem);
  const storageProblem = useDatasetStore((s) => s.storageProblem);
  const phasesStorageProblem = usePhasesStore((s) => s.storageProblem);
  const restored = useDatasetStore((s) => s.restored);
  const dismissProblem = useDatasetStore((s) => s.dismissProblem);
  const tabular = useDatasetStore((s) => s.tabular);

  return (
    <>
      {!dataset && restored && (
        <div className="empty-hero">
          <h2>Start with a dataset</h2>
          <p className="muted">
            Every record gets a difficulty from 1 to 5 and lands in a phase. The paper trains phase 1 (easy) first, then
            continues on phase 2 and phase 3; the studio lets you check whether that beats training on everything at
            once.
          </p>
        </div>
      )}
      <DropZone />
      {problem && (
        <Banner kind="error" title={problem.message} onDismiss={dismissProblem} testId="load-error">
          {problem.hint && <div>{problem.hint}</div>}
          {dataset && (
            <div className={`small ${styles.stillLoaded}`}>
              Still loaded: <strong>{dataset.fileName}</strong> ({dataset.records.length.toLocaleString()} records) —
              nothing was lost.
            </div>
          )}
        </Banner>
      )}
      {(storageProblem || phasesStorageProblem) && (
        <Banner kind="warn" title="Local storage problem" testId="storage-error">
          <div>{storageProblem ?? phasesStorageProblem}</div>
        </Banner>
      )}
      {dataset && (
        <>
          <section className="panel" aria-label="Dataset">
            <DatasetSummary dataset={dataset} />
            {tabular && <ColumnMappingEditor source={tabular} />}
            <ValidationReportView report={dataset.report} fileName={dataset.fileName} />
          </section>
          <PhasesPanel />
          <RecordsPanel />
        </>
      )}
    </>
  );
}

function RecordsPanel() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const plan = usePhasesStore((s) => s.plan);
  const scoreSet = usePhasesStore((s) => s.scoreSet)();
  const phaseById = usePhasesStore((s) => s.phaseById);
  // By id, so a record still shown after the dataset changes is the same record, or none.
  const [viewingId, setViewingId] = useState<string>();
  const viewing = viewingId === undefined ? -1 : dataset.records.findIndex((r) => r.id === viewingId);
  return (
    <>
      <section className="panel" aria-label="Records">
        <div className="panel-head">
          <h2>Records</h2>
        </div>
        <RecordTable
          records={dataset.records}
          extras={{ score: (i) => scoreSet?.scores[i], phase: (id) => (plan ? phaseById.get(id) : undefined) }}
          onView={(i) => setViewingId(dataset.records[i]?.id)}
          viewing={viewing}
        />
      </section>
      {viewing >= 0 && (
        <RecordView
          record={dataset.records[viewing]!}
          records={dataset.records}
          onClose={() => setViewingId(undefined)}
        />
      )}
    </>
  );
}
