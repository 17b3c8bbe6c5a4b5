import { useEffect, useState } from 'react';
import type { Run } from '../../core/runs/run';
import {
  PHASE_END_PARTS,
  runProgress,
  type PhaseEndPart,
  type RunProgress as Progress,
} from '../../core/runs/runTiming';

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m ${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const LIVE = new Set(['starting', 'running', 'paused', 'evaluating']);

/** The wall clock, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [live]);
  return now;
}

const PART_LABELS: Record<PhaseEndPart, string> = {
  heldOut: 'held-out loss',
  samples: 'sample answers',
  checkpoint: 'checkpoint',
};

const STARTING_LABELS = {
  backend: 'starting the training worker and choosing a backend',
  weights: 'loading the model weights',
  compile:
    'compiling the kernels (GPU shaders on WebGPU and WebGL) on a warm-up step: a dry run, no weight changes, not counted as training',
};

/** The run's progress from its wall-clock timing, or undefined for a run recorded before timing was kept. */
export function useRunProgress(run: Run): Progress | undefined {
  const now = useNow(LIVE.has(run.status));
  if (!run.timing) return undefined;
  return runProgress(
    {
      status: run.status,
      stepsDone: run.points.at(-1)?.step ?? 0,
      totalSteps: run.totalSteps,
      evalEvery: run.settings.evalEvery,
      timing: run.timing,
    },
    now,
  );
}

/** "ETA 2m 10s", "ETA 2m 10s + …" when parts ahead are not measured yet, "…" before any step is measured. */
export function etaText(p: Progress): string {
  if (p.etaMs === undefined) return '…';
  return `${duration(p.etaMs)}${p.etaPartial ? ' + …' : ''}`;
}

/** What the run is doing now (starting, training, a phase-end evaluation, exact match), with its own progress. */
export function RunStageLine({ run, progress }: { run: Run; progress: Progress }) {
  const { stage, startup } = progress;
  const phaseLabel = (phase: number) => run.phases.find((p) => p.phase === phase)?.label ?? `stage ${phase + 1}`;
  return (
    <div className="run-progress small" data-testid="run-stage" data-stage={stage.kind}>
      {stage.kind === 'starting' && (
        <>
          <div>
            <strong>Starting</strong> ({duration(stage.sinceMs)}): {STARTING_LABELS[stage.part]}.
          </div>
          <div className="muted">
            Before the first step the worker picks a backend, loads the weights and compiles every kernel of a training
            step and of an evaluation batch once. On a software or slow GPU adapter compiling shaders can take minutes;
            it happens once per run.
          </div>
          <progress aria-label="Starting" />
        </>
      )}
      {stage.kind === 'evaluating' && (
        <>
          <div>
            <strong>Evaluating the end of {phaseLabel(stage.phase)}</strong> ({duration(stage.sinceMs)}
            {stage.expectedMs !== undefined
              ? ` of about ${duration(stage.expectedMs)}, as the last one took`
              : ', the first one: not timed yet'}
            )
          </div>
          <ol aria-label="Phase-end evaluation">
            {PHASE_END_PARTS.map((part, i) => {
              const done = stage.done.includes(part);
              const now = !done && PHASE_END_PARTS.slice(0, i).every((p) => stage.done.includes(p));
              return (
                <li key={part} data-state={done ? 'done' : now ? 'now' : 'ahead'}>
                  {done ? '✓' : now ? '▸' : '○'} {i + 1}. {PART_LABELS[part]}
                </li>
              );
            })}
          </ol>
          <progress
            aria-label="Phase-end evaluation"
            max={1}
            value={stage.expectedMs ? Math.min(0.99, stage.sinceMs / stage.expectedMs) : undefined}
          />
        </>
      )}
      {stage.kind === 'exactMatch' && (
        <>
          <div>
            <strong>Evaluating exact match</strong> ({duration(stage.sinceMs)}): greedy answers to the held-out prompts,
            scored per level. Training is over.
          </div>
          <progress aria-label="Exact-match evaluation" />
        </>
      )}
      {startup && (
        <div className="muted" data-testid="startup-time">
          Started in {duration((startup.backendMs ?? 0) + (startup.weightsMs ?? 0) + (startup.compileMs ?? 0))}: backend{' '}
          {duration(startup.backendMs)}, weights {duration(startup.weightsMs)}, kernel compilation and warm-up{' '}
          {duration(startup.compileMs)}.
        </div>
      )}
    </div>
  );
}
