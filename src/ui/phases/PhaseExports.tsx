import { phaseJsonlFiles, planJsonFile } from '../../core/phases/export';
import type { PhasePlan } from '../../core/phases/plan';
import type { StoredDataset } from '../../core/data/storedDataset';
import { usePhasesStore } from '../../state/phasesStore';
import { downloadText } from '../common/download';
import styles from './PhaseExports.module.css';

/** One JSONL file per phase (Alpaca fields + score + phase) and the plan itself as JSON. */
export function PhaseExports({ plan, dataset }: { plan: PhasePlan; dataset: StoredDataset }) {
  const scoreSet = usePhasesStore((s) => s.scoreSet)();
  const baseName = dataset.fileName;
  return (
    <div className={`row ${styles.exports}`}>
      <span className="small muted">Export:</span>
      {plan.phases.map((phase) => {
        const empty = phase.recordIds.length === 0;
        return (
          <button
            key={phase.index}
            className="btn"
            disabled={!scoreSet || empty}
            title={empty ? 'This phase holds no training record: there is nothing to export.' : undefined}
            onClick={() => {
              // Empty phases get no file, so find this phase's by name rather than by position.
              const file = phaseJsonlFiles(plan, dataset.records, scoreSet!.scores, { baseName }).find((f) =>
                f.fileName.endsWith(`.phase-${phase.index}.jsonl`),
              )!;
              downloadText(file.fileName, file.text, 'application/jsonl');
            }}
          >
            Phase {phase.index} (JSONL){empty ? ' — empty' : ''}
          </button>
        );
      })}
      <button
        className="btn"
        onClick={() => {
          const file = planJsonFile(plan, { baseName });
          downloadText(file.fileName, file.text, 'application/json');
        }}
      >
        Plan (JSON)
      </button>
    </div>
  );
}
