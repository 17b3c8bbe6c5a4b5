import { useEffect, useMemo, useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import type { Run } from '../../core/runs/run';
import { useTrainStore } from '../../state/trainStore';
import { Banner } from '../common/Banner';
import { downloadBlob, downloadText } from '../common/download';
import { metricsToCsv } from '../../core/runs/metricsExport';
import { configToJson } from '../../core/runs/shareConfig';
import { BackendCheck } from './BackendCheck';
import { LossChart } from './LossChart';
import { RunGenerations } from './RunGenerations';
import { duration, etaText, RunStageLine, useRunProgress } from './RunProgress';
import { ConfigShare } from './ConfigShare';
import { TrainSettingsForm } from './TrainSettingsForm';
import { ModelImportPanel } from '../model/ModelImportPanel';
import { HfExportButton } from '../model/HfExportButton';
import { BucketHeaders } from './BucketHeaders';
import { DataFitNote } from './DataFitNote';
import { SchedulePreviewNote } from './SchedulePreviewNote';
import { EvaluationCostNote } from './EvaluationCostNote';
import { MachineFit } from './MachineFit';
import { machineFitKey, useMachineFitStore } from '../../state/machineFitStore';
import { trainingInputs } from '../../core/runs/trainingInputs';
import styles from './TrainScreen.module.css';

/** Set up a run, start it, and watch it train phase by phase. */
export function TrainScreen() {
  const dataset = useDatasetStore((s) => s.dataset);
  const plan = usePhasesStore((s) => s.plan);
  const runs = useTrainStore((s) => s.runs);
  const activeRunId = useTrainStore((s) => s.activeRunId);
  const queue = useTrainStore((s) => s.queue);
  const settings = useTrainStore((s) => s.settings);
  const update = useTrainStore((s) => s.update);
  const notice = useTrainStore((s) => s.notice);
  const dismissNotice = useTrainStore((s) => s.dismissNotice);
  const [seedCount, setSeedCount] = useState(1);
  const pause = useTrainStore((s) => s.pause);
  const resume = useTrainStore((s) => s.resume);
  const stop = useTrainStore((s) => s.stop);
  const active = runs.find((r) => r.id === activeRunId);
  // a run would compete with the probe for the device, and the probe's figures would be wrong
  const sizing = useMachineFitStore((s) => s.fit.status === 'measuring');
  const shown = active ?? runs.at(-1);
  // The records a run with these settings trains and is evaluated on: what the fit and cost notes describe.
  const inputs = useMemo(
    () => (dataset && plan ? trainingInputs(plan, dataset.records, settings.trainShare) : undefined),
    [dataset, plan, settings.trainShare],
  );
  const runRecords = useMemo(
    () => (inputs ? [...inputs.phases.flat(), ...inputs.heldOut.map((h) => h.record)] : []),
    [inputs],
  );

  if (!dataset || !plan || !inputs) {
    return (
      <Banner kind="warn" title="Load a dataset first">
        Training needs a dataset split into phases: go to Data, drop a file or try the demo.
      </Banner>
    );
  }
  const trainRecords = plan.phases.reduce((n, p) => n + p.recordIds.length, 0);
  const seeds = Array.from({ length: seedCount }, (_, i) => settings.seed + i);
  const queued = runs.filter((r) => r.status === 'queued').length;

  return (
    <>
      <section className="panel" aria-label="Run setup">
        <div className="panel-head">
          <h2>Train</h2>
          <span className="muted small">
            {dataset.fileName}: {trainRecords.toLocaleString()} training records in {plan.phases.length} phases,{' '}
            {plan.heldOut.recordIds.length.toLocaleString()} held out
          </span>
        </div>
        <TrainSettingsForm phaseCount={plan.phases.length} disabled={false} />
        <p className={`small muted ${styles.modelNote}`} data-testid="model-note">
          {settings.model?.kind === 'base'
            ? 'Starts from the demo base model: a character-level GPT pretrained on plain statements, not on instructions, so fine-tuning has to teach it to follow them. "Phased vs one-off" trains both arms from it with the same seeds; Compare then shows exact match per level side by side.'
            : settings.model?.kind === 'hf'
              ? `Starts from ${settings.model.name}, an imported pretrained model.`
              : `Starts from random initialisation (the ${settings.preset} size, not pretrained): it learns the data's characters from nothing, so expect high losses and few exact answers.`}
          {settings.trainShare < 1 &&
            ` Trains on the first ${(settings.trainShare * 100).toFixed(1)}% of each phase (every arm the same records).`}
        </p>
        <DataFitNote model={settings.model} preset={settings.preset} records={runRecords} />
        <EvaluationCostNote
          heldOut={inputs.heldOut}
          allHeldOut={plan.heldOut.recordIds.length}
          batchSize={settings.hyper.batchSize}
          share={settings.trainShare}
          settingsKey={machineFitKey(settings)}
        />
        <SchedulePreviewNote phases={inputs.phases} arm={settings.arm} hyper={settings.hyper} seed={settings.seed} />
        <MachineFit
          plan={plan}
          records={dataset.records}
          settings={settings}
          onShare={(trainShare) => update({ trainShare })}
        />
        <ModelImportPanel />
        <div className={styles.configShare}>
          <ConfigShare />
        </div>
        <div className={`row ${styles.startRow}`}>
          <label className="field small">
            seeds
            <input
              type="number"
              min={1}
              max={10}
              step={1}
              aria-label="Seeds per arm"
              value={seedCount}
              onChange={(e) => setSeedCount(Math.min(10, Math.max(1, Math.round(Number(e.target.value) || 1))))}
            />
          </label>
          <button
            className="btn primary"
            data-testid="train-start"
            disabled={sizing}
            title={sizing ? 'Size for this machine is measuring: start when it is done' : undefined}
            onClick={() => queue([settings.arm], seeds, plan, dataset)}
          >
            {active ? 'Queue this run' : seedCount > 1 ? `Train ${seedCount} seeds` : 'Start training'}
          </button>
          <button
            className="btn"
            data-testid="train-compare-preset"
            disabled={sizing}
            title={
              sizing
                ? 'Size for this machine is measuring: start when it is done'
                : "Queues the paper's easy → hard arm and the one-off baseline with the same model, settings and seeds"
            }
            onClick={() => queue([{ kind: 'easy-to-hard' }, { kind: 'one-off' }], seeds, plan, dataset)}
          >
            Phased vs one-off
          </button>
          {active && active.status !== 'paused' && (
            <button className="btn" onClick={pause}>
              Pause
            </button>
          )}
          {active?.status === 'paused' && (
            <button className="btn" onClick={resume}>
              Resume
            </button>
          )}
          {active && (
            <button className="btn" onClick={stop}>
              Stop
            </button>
          )}
          <span className="small muted">
            {queued > 0 ? `${queued} queued · ` : ''}Training runs in a background worker; the page stays responsive.
          </span>
        </div>
        <BackendCheck />
      </section>
      {notice && (
        <Banner kind="warn" title="Runs" onDismiss={dismissNotice} testId="train-notice">
          <div>{notice}</div>
        </Banner>
      )}
      {shown && <RunPanel run={shown} phaseCount={plan.phases.length} />}
      {runs.length > 0 && <RunList runs={runs} />}
    </>
  );
}

function RunPanel({ run, phaseCount }: { run: Run; phaseCount: number }) {
  const lastPoint = run.points.at(-1);
  const stepsDone = lastPoint?.step ?? 0;
  const progress = useRunProgress(run);
  const currentStage = run.phases.at(-1);
  const lastEval = run.evals.at(-1);
  return (
    <section className="panel" aria-label="Run" data-testid="run-panel" data-status={run.status}>
      <div className="panel-head">
        <h2>{run.label}</h2>
        <span className="muted small mono">{run.id}</span>
        <span className="spacer" />
        <span data-testid="run-status" className="small">
          {run.status}
        </span>
      </div>
      {run.error && (
        <Banner kind="error" title="Training stopped" testId="run-error">
          {run.error}
        </Banner>
      )}
      <div className={`stats ${styles.stats}`}>
        <div className="stat">
          <div className="value" data-testid="backend-name" data-threads={run.backend?.wasmThreads?.count}>
            {run.backend?.name ?? '…'}
          </div>
          <div className="label">
            {run.backend?.wasmThreads
              ? `backend · ${run.backend.wasmThreads.count} thread${run.backend.wasmThreads.count === 1 ? '' : 's'}`
              : 'backend'}
          </div>
        </div>
        <div className="stat">
          <div className="value">{run.model ? `${(run.model.parameters / 1e6).toFixed(2)}M` : '…'}</div>
          <div className="label">parameters</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="run-step">
            {stepsDone} / {run.totalSteps || '…'}
          </div>
          <div className="label">steps</div>
        </div>
        <div className="stat">
          <div className="value">{currentStage?.label ?? '…'}</div>
          <div className="label">current phase</div>
        </div>
        <div className="stat">
          <div className="value">{run.tokensPerSec ? Math.round(run.tokensPerSec).toLocaleString() : '…'}</div>
          <div className="label">tokens / s</div>
        </div>
        <div
          className="stat"
          title="Wall-clock time since the run was launched (start-up, training, evaluations and pauses included)"
        >
          <div className="value" data-testid="run-elapsed">
            {duration(progress?.elapsedMs ?? run.elapsedMs)}
          </div>
          <div className="label">elapsed{progress ? '' : ' (training time)'}</div>
        </div>
        {progress && progress.stage.kind !== 'over' && (
          <div
            className="stat"
            title="From the measured time of a training step and of each evaluation; '+ …' means parts still ahead have not been timed yet (the first phase-end evaluation, the exact-match evaluation)"
          >
            <div className="value" data-testid="run-eta">
              {etaText(progress)}
            </div>
            <div className="label">time left</div>
          </div>
        )}
        <div className="stat">
          <div className="value">{lastPoint ? lastPoint.loss.toFixed(3) : '…'}</div>
          <div className="label">last loss</div>
        </div>
      </div>
      {progress && <RunStageLine run={run} progress={progress} />}
      {run.backend && (
        <p className="small muted" data-testid="backend-reason">
          {run.backend.reason}{' '}
          {run.backend.wasmThreads && <span data-testid="backend-threads">{run.backend.wasmThreads.note} </span>}
          {run.model?.notes.join(' ')}
          {run.backend.adapter &&
            ` Adapter: ${[run.backend.adapter.vendor, run.backend.adapter.architecture].filter(Boolean).join(' ') || 'unnamed'}${run.backend.adapter.isFallbackAdapter ? ' (software fallback)' : ''}.`}
        </p>
      )}
      <LossChart run={run} phaseCount={phaseCount} />
      {lastEval && (
        <div className={styles.evaluation}>
          <h3>Held-out loss per difficulty bucket</h3>
          <table className="data small" data-testid="eval-table">
            <thead>
              <tr>
                <th>after</th>
                <th className="num">tokens</th>
                <th className="num">all</th>
                <BucketHeaders buckets={lastEval.buckets} />
              </tr>
            </thead>
            <tbody>
              {run.evals.map((e, i) => (
                <tr key={i}>
                  <td>
                    {e.atPhaseEnd
                      ? `end of ${run.phases.find((p) => p.phase === e.phase)?.label ?? `stage ${e.phase + 1}`}`
                      : `step ${e.step}`}
                  </td>
                  <td className="num">{e.tokens.toLocaleString()}</td>
                  <td className="num">{e.heldOutLoss.toFixed(3)}</td>
                  {e.buckets.map((b) => (
                    <td key={b.bucket} className="num">
                      {b.loss.toFixed(3)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RunGenerations run={run} />
      <RunExports run={run} />
    </section>
  );
}

/** Everything a run produced, as files: metrics (CSV, JSON), its configuration, its newest checkpoint. */
function RunExports({ run }: { run: Run }) {
  const [problem, setProblem] = useState<string>();
  const checkpointBytes = useTrainStore((s) => s.checkpointBytes);
  const { lastCheckpoint: _bytes, ...record } = run;
  const downloadCheckpoint = async () => {
    try {
      const bytes = await checkpointBytes(run);
      if (!bytes) throw new Error('this run has no checkpoint yet (one is saved at every phase end)');
      const step = run.lastCheckpoint?.step ?? run.checkpointStep;
      downloadBlob(
        `${run.id}-step${step}.safetensors`,
        new Blob([bytes as BlobPart], { type: 'application/octet-stream' }),
      );
    } catch (error) {
      setProblem(`Could not export the checkpoint: ${(error as Error).message}`);
    }
  };
  return (
    <div
      className={`row small ${styles.exports}`}
      data-testid="run-exports"
      data-leftover-tensors={run.leftoverTensors}
    >
      <span className="muted">Export:</span>
      <button className="btn" onClick={() => downloadText(`${run.id}.metrics.csv`, metricsToCsv(run), 'text/csv')}>
        Metrics (CSV)
      </button>
      <button
        className="btn"
        onClick={() => downloadText(`${run.id}.run.json`, `${JSON.stringify(record, null, 2)}\n`, 'application/json')}
      >
        Metrics + config (JSON)
      </button>
      <button
        className="btn"
        onClick={() => downloadText(`${run.id}.config.json`, configToJson(run.settings), 'application/json')}
      >
        Config (JSON)
      </button>
      {(run.lastCheckpoint || run.checkpointStep !== undefined) && (
        <button className="btn" onClick={() => void downloadCheckpoint()}>
          Checkpoint (step {run.lastCheckpoint?.step ?? run.checkpointStep}, .safetensors)
        </button>
      )}
      <HfExportButton run={run} />
      {/* the count is for tests (data-leftover-tensors); a person hears of it only when the worker leaked */}
      {run.leftoverTensors !== undefined && run.leftoverTensors > 0 && (
        <span className="muted" data-testid="leftover-tensors">
          {run.leftoverTensors} tensors were left in the worker after the run (a memory leak: a long session may slow
          down; a reload frees them).
        </span>
      )}
      {problem && (
        <span role="alert" className={styles.problem}>
          {problem}
        </span>
      )}
    </div>
  );
}

function RunList({ runs }: { runs: Run[] }) {
  const dataset = useDatasetStore((s) => s.dataset);
  const plan = usePhasesStore((s) => s.plan);
  const activeRunId = useTrainStore((s) => s.activeRunId);
  const resumeRun = useTrainStore((s) => s.resumeRun);
  const continueWithNewSettings = useTrainStore((s) => s.continueWithNewSettings);
  const deleteRun = useTrainStore((s) => s.deleteRun);
  const storageUse = useTrainStore((s) => s.storageUse);
  const [use, setUse] = useState<string>();
  useEffect(() => {
    void storageUse().then(
      (u) => u && setUse(`${(u.usage / 2 ** 20).toFixed(1)} MB used of ${(u.quota / 2 ** 30).toFixed(1)} GB allowed`),
    );
  }, [runs.length, storageUse]);
  return (
    <section className="panel" aria-label="Runs">
      <div className="panel-head">
        <h2>Runs</h2>
        <span className="muted small">kept in this browser{use ? ` · ${use}` : ''}</span>
      </div>
      <table className="data small" data-testid="run-list">
        <thead>
          <tr>
            <th>run</th>
            <th>data</th>
            <th>status</th>
            <th>backend</th>
            <th className="num">steps</th>
            <th className="num">tokens</th>
            <th className="num">final held-out loss</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const resumable =
              (r.status === 'interrupted' || r.status === 'stopped' || r.status === 'error') &&
              !activeRunId &&
              dataset &&
              plan;
            // A failed run's resume repeats its settings (and its divergence): go on as a new run with the form's settings.
            const checkpointStep = r.lastCheckpoint?.step ?? r.checkpointStep;
            const continuable = resumable && r.status === 'error' && checkpointStep !== undefined;
            return (
              <tr key={r.id} data-testid="run-row" data-status={r.status} data-checkpoint-step={r.checkpointStep}>
                <td>
                  <strong>{r.label}</strong> <span className="mono muted">{r.id}</span>
                </td>
                <td className="muted">{r.dataKey.fileName}</td>
                <td>{r.status}</td>
                <td>{r.backend?.name ?? '—'}</td>
                <td className="num">
                  {r.points.at(-1)?.step ?? 0}
                  {r.totalSteps ? ` / ${r.totalSteps}` : ''}
                </td>
                <td className="num">{(r.points.at(-1)?.tokens ?? 0).toLocaleString()}</td>
                <td className="num">{r.evals.at(-1)?.heldOutLoss.toFixed(3) ?? '—'}</td>
                <td className={styles.actions}>
                  {resumable && (
                    <button className="btn" onClick={() => void resumeRun(r.id, plan, dataset)}>
                      {r.checkpointStep !== undefined ? `Resume from step ${r.checkpointStep}` : 'Restart'}
                    </button>
                  )}{' '}
                  {continuable && (
                    <button
                      className="btn"
                      title="A new run from this checkpoint's weights, trained with the settings above"
                      onClick={() => void continueWithNewSettings(r.id, plan, dataset)}
                    >
                      Continue from step {checkpointStep} with new settings
                    </button>
                  )}{' '}
                  {r.id !== activeRunId && (
                    <button className="btn link" onClick={() => void deleteRun(r.id)} aria-label={`Delete run ${r.id}`}>
                      delete
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
