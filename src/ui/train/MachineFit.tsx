import type { InstructionRecord } from '../../core/data/record';
import type { PhasePlan } from '../../core/phases/plan';
import type { TrainSettings } from '../../core/runs/settings';
import { PAIR_BUDGET_MIN, SPEED_PROBE_TIMEOUT_MS, useMachineFitStore } from '../../state/machineFitStore';
import { useSoftwareAdapter } from '../common/useSoftwareAdapter';
import styles from './MachineFit.module.css';

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const minutes = (v: number) => `${(v / 60_000).toFixed(1)} min`;

/**
 * "Size for this machine": a few seconds of timing on the backend the run would get, at its shape, then the share of
 * each phase that makes "Phased vs one-off" (both arms, their phase-end evaluations and exact match) fit
 * {@link PAIR_BUDGET_MIN} minutes.
 */
export function MachineFit({
  plan,
  records,
  settings,
  onShare,
}: {
  plan: PhasePlan;
  records: readonly InstructionRecord[];
  settings: TrainSettings;
  onShare: (share: number) => void;
}) {
  const fit = useMachineFitStore((s) => s.fit);
  const measure = useMachineFitStore((s) => s.measure);
  const supported = settings.model === undefined || settings.model.kind === 'base';
  const software = useSoftwareAdapter();
  const slowWebGpu = settings.backend === 'webgpu' && software === true;

  const run = async () => {
    const result = await measure(plan, records, settings);
    if (result) onShare(result.estimate.share);
  };

  return (
    <div className={`small muted ${styles.fit}`} data-testid="machine-fit" data-status={fit.status}>
      <button
        className="btn"
        data-testid="machine-fit-measure"
        disabled={!supported || fit.status === 'measuring'}
        onClick={() => void run()}
      >
        Size for this machine
      </button>{' '}
      {!supported && 'Sizing measures the base model or a preset; an imported model is timed when its run starts.'}
      {supported &&
        fit.status === 'idle' &&
        `Times a training step here (a few seconds), then sets the share of each phase so "Phased vs one-off" takes at most ${PAIR_BUDGET_MIN} minutes.`}
      {supported && slowWebGpu && fit.status !== 'done' && (
        <span data-testid="machine-fit-software">
          {' '}
          WebGPU here runs on a software adapter, far slower than wasm on this machine: sizing gives up after{' '}
          {SPEED_PROBE_TIMEOUT_MS / 1000} s, and a run on it can take hours. Pick wasm (or auto) under Backend to size
          and train faster.
        </span>
      )}
      {fit.status === 'measuring' && <span data-testid="machine-fit-progress">Measuring — {fit.progress}</span>}
      {fit.status === 'error' && (
        <span role="alert" data-testid="machine-fit-error">
          Could not measure this machine: {fit.message}
        </span>
      )}
      {fit.status === 'done' && (
        <span
          data-testid="machine-fit-result"
          data-share={fit.estimate.share}
          data-estimate-ms={Math.round(fit.estimate.totalMs)}
          data-backend={fit.backend}
        >
          Measured on {fit.threads ? fit.threads.replace(/\.$/, '') : fit.backend}: {ms(fit.speed.stepMs)} per training
          step of {fit.batch} × {fit.rowTokens} tokens, {ms(fit.speed.forwardMs)} per forward pass,{' '}
          {ms(fit.speed.tokenMs)} per generated token, {ms(fit.speed.warmupMs)} to start.{' '}
          <strong>
            {fit.estimate.fits
              ? `Share set to ${(fit.estimate.share * 100).toFixed(1)}%: "Phased vs one-off" ≈ ${minutes(fit.estimate.totalMs)}`
              : `Even ${(fit.estimate.share * 100).toFixed(1)}% of each phase takes ≈ ${minutes(fit.estimate.totalMs)} here`}
          </strong>{' '}
          (phased {minutes(fit.estimate.runs[0]!.totalMs)}, one-off {minutes(fit.estimate.runs[1]!.totalMs)}; of it
          evaluation {minutes(fit.estimate.runs[0]!.evalMs + fit.estimate.runs[1]!.evalMs)}). An estimate from a few
          steps: a busy machine runs slower.
        </span>
      )}
    </div>
  );
}
