/**
 * What an arm will do before it starts: each stage's optimizer steps and the learning rates the schedule gives them
 * (warm-up, peak, where the cosine ends), worked out as the runner works them out (`buildArm`, the stage's rows cut
 * into `batchSize × gradAccumulation`, `buildSchedule`) — so a phase at a small share shows how few updates it gets.
 */
import type { InstructionRecord } from '../data/record';
import { buildArm, type ArmSpec } from './arms';
import type { Hyper } from './hyper';
import { buildSchedule, warmupSteps } from './schedule';

export interface StagePreview {
  label: string;
  records: number;
  steps: number;
  /** Steps of warm-up at this stage's start (0: it starts at its peak; a spanning schedule warms up once, in stage 1). */
  warmupSteps: number;
  firstLr: number;
  peakLr: number;
  lastLr: number;
}

export function previewSchedule(
  phases: readonly (readonly InstructionRecord[])[],
  arm: ArmSpec,
  hyper: Pick<
    Hyper,
    | 'epochsPerPhase'
    | 'replayFraction'
    | 'batchSize'
    | 'gradAccumulation'
    | 'lr'
    | 'minLrRatio'
    | 'warmupRatio'
    | 'restartSchedulePerPhase'
  >,
  seed: number,
): StagePreview[] {
  const built = buildArm(phases, arm, {
    epochsPerPhase: hyper.epochsPerPhase,
    replayFraction: hyper.replayFraction,
    seed,
  });
  const rowsPerStep = hyper.batchSize * hyper.gradAccumulation;
  const steps = built.stages.map((s) => Math.ceil((s.records.length * s.epochs) / rowsPerStep));
  const lrs = buildSchedule(steps, {
    peakLr: hyper.lr,
    minLrRatio: hyper.minLrRatio,
    warmupRatio: hyper.warmupRatio,
    restartPerPhase: hyper.restartSchedulePerPhase,
  });
  const total = steps.reduce((a, b) => a + b, 0);
  return built.stages.map((s, i) => {
    const warm = hyper.restartSchedulePerPhase
      ? warmupSteps(steps[i]!, hyper.warmupRatio)
      : i === 0
        ? Math.min(steps[0]!, warmupSteps(total, hyper.warmupRatio))
        : 0;
    const stageLrs = lrs[i]!;
    return {
      label: s.label,
      records: s.records.length,
      steps: steps[i]!,
      warmupSteps: warm,
      firstLr: stageLrs[0] ?? 0,
      peakLr: stageLrs.reduce((m, v) => Math.max(m, v), 0),
      lastLr: stageLrs[stageLrs.length - 1] ?? 0,
    };
  });
}
