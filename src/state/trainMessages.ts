import { applyRunEvent, savesAtOnce as eventSavesAtOnce } from '../core/runs/applyRunEvent';
import type { Run } from '../core/runs/run';
import { recordTiming } from '../core/runs/runTiming';
import type { TrainResponse } from '../worker/trainProtocol';

/**
 * A run after one message from its training worker (arrived at `at`, ms since the epoch): the loop's events, plus
 * what the worker adds around them, and the run's wall-clock timing.
 */
export function applyTrainResponse(run: Run, message: TrainResponse, at = Date.now()): Run {
  const next = applyMessage(run, message);
  return run.timing ? { ...next, timing: recordTiming(run.timing, message, at) } : next;
}

function applyMessage(run: Run, message: TrainResponse): Run {
  switch (message.type) {
    case 'backend':
      return { ...run, backend: message.choice };
    case 'model':
      return { ...run, model: { config: message.config, parameters: message.parameters, notes: message.notes } };
    case 'event':
      return applyRunEvent(run, message.event);
    case 'samples':
      return {
        ...run,
        samples: [...(run.samples ?? []).filter((x) => x.phase !== message.snapshot.phase), message.snapshot],
      };
    case 'exactMatch':
      return { ...run, exactMatch: message.outcome };
    case 'finished':
      return {
        ...run,
        summary: message.summary,
        leftoverTensors: message.memory.numTensors,
        status:
          run.status === 'error' || message.summary.status === 'error'
            ? 'error'
            : message.summary.status === 'stopped'
              ? 'stopped'
              : 'done',
        error: run.error ?? message.summary.error,
      };
    case 'failed':
      return { ...run, status: 'error', error: message.message };
  }
}

/** Messages after which the run is saved at once (the rest are throttled). */
export function savesAtOnce(message: TrainResponse): boolean {
  if (message.type === 'event') return eventSavesAtOnce(message.event);
  return (
    message.type === 'samples' ||
    message.type === 'exactMatch' ||
    message.type === 'finished' ||
    message.type === 'failed'
  );
}
