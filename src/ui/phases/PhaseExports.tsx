import { phaseJsonlFiles, planJsonFile } from '../../core/phases/export';
import type { PhasePlan } from '../../core/phases/plan';
import type { StoredDataset } from '../../core/data/storedDataset';
import { usePhasesStore } from '../../state/phasesStore';
import { downloadText } from '../common/download';

/** One JSONL file per phase (Alpaca fields + score + phase) and the plan itself as JSON. */
export function PhaseExports({ plan, dataset }: { plan: PhasePlan; dataset: StoredDataset }) {
  const scoreSet = usePhasesStore((s) => s.scoreSet)();
  const baseName = dataset.fileName;
  return (
    <div className="row" style={{ marginTop: 12 }}>
      <span className="small muted">Export:</span>
      {plan.phases.map((phase) => (
        <button
          key={phase.index}
          className="btn"
          disabled={!scoreSet}
          onClick={() => {
            const file = phaseJsonlFiles(plan, dataset.records, scoreSet!.scores, { baseName })[phase.index - 1]!;
            downloadText(file.fileName, file.text, 'application/jsonl');
          }}
        >
          Phase {phase.index} (JSONL)
        </button>
      ))}
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
