import type { RunEvent } from '../train/events';
import type { Run } from './run';

const running = (run: Run): Run['status'] => (run.status === 'starting' ? 'running' : run.status);

/**
 * A run after one event from its training loop: the worker's reports folded into what the studio shows and keeps.
 * Pure, so the store only decides when to save; a checkpoint's bytes are kept here, saving them is the store's job.
 */
export function applyRunEvent(run: Run, event: RunEvent): Run {
  switch (event.type) {
    case 'phaseStart': {
      // A resumed stage is already in the list: replace it rather than add it twice.
      const others = run.phases.filter((p) => p.phase !== event.phase);
      return {
        ...run,
        status: running(run),
        phases: [
          ...others,
          {
            phase: event.phase,
            label: event.label,
            sourcePhases: event.sourcePhases,
            startTokens: event.tokensSeen,
            steps: event.steps,
          },
        ],
        totalSteps: event.stageSteps.reduce((n, steps) => n + steps, 0),
      };
    }
    case 'step': {
      const n = event.losses.length;
      const first = event.step - n + 1;
      // Tokens are known at the window's end; spread them evenly over the window's steps for the chart's x axis.
      const before = run.points.at(-1)?.tokens ?? 0;
      // Training time summed over windows, so a resumed run (whose clock restarts) keeps counting on.
      const msBefore = run.points.at(-1)?.trainMs ?? 0;
      const points = event.losses.map((loss, i) => ({
        step: first + i,
        tokens: Math.round(before + ((event.tokensSeen - before) * (i + 1)) / n),
        loss,
        lr: event.lrs[i] ?? event.lr,
        phase: event.phase,
        trainMs: msBefore + (event.windowMs * (i + 1)) / n,
      }));
      return {
        ...run,
        status: running(run),
        points: [...run.points, ...points],
        tokensPerSec: event.tokensPerSec,
        elapsedMs: event.elapsedMs,
      };
    }
    case 'eval':
      return {
        ...run,
        evals: [
          ...run.evals,
          {
            step: event.step,
            tokens: event.tokensSeen,
            phase: event.phase,
            atPhaseEnd: event.atPhaseEnd,
            heldOutLoss: event.heldOutLoss,
            buckets: event.buckets,
          },
        ],
      };
    case 'phaseEnd':
      return {
        ...run,
        phases: run.phases.map((p) => (p.phase === event.phase ? { ...p, endTokens: event.tokensSeen } : p)),
      };
    case 'checkpoint':
      return { ...run, lastCheckpoint: { bytes: event.bytes, step: event.step, reason: event.reason } };
    case 'error':
      return { ...run, status: 'error', error: event.message };
    case 'done':
      return {
        ...run,
        status: run.status === 'error' ? 'error' : event.stopped ? 'stopped' : 'evaluating',
        elapsedMs: event.elapsedMs,
      };
  }
}

/** Events after which a run is saved at once; the frequent ones (steps, evaluations) are saved at most every few seconds. */
export function savesAtOnce(event: RunEvent): boolean {
  return event.type === 'phaseStart' || event.type === 'phaseEnd' || event.type === 'error' || event.type === 'done';
}
