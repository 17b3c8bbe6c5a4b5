import { GPT_PRESETS } from '../core/model/config';
import { baseModelRef, type TrainSettings } from '../core/runs/settings';
import type { RunTemplate } from '../core/text/runTemplate';
import { listModels, loadModelFiles } from '../storage/modelStorage';
import { chosenTemplate, ownChatTemplate, readsChatTemplates, trainerTemplate } from './templateChoice';
import type { ModelSource } from '../worker/trainProtocol';

/** The weights a new run starts from, fetched or read where they live. */
export async function modelSourceFor(settings: TrainSettings): Promise<ModelSource> {
  const ref = settings.model;
  if (!ref) return { kind: 'random', config: { ...GPT_PRESETS[settings.preset], vocabSize: 0 }, seed: settings.seed };
  if (ref.kind === 'base') {
    // Only the studio's own base model: settings restored from an older version (or edited storage) may name another address.
    const own = baseModelRef(import.meta.env.BASE_URL).url;
    if (ref.url !== own)
      throw new Error(
        `The base model must be the studio's own (${own}); these settings name ${ref.url}. Pick the model again on the Train screen.`,
      );
    const response = await fetch(ref.url).catch((error: Error) => {
      throw new Error(`Could not fetch the base model ${ref.name} (${error.message}).`);
    });
    if (!response.ok)
      throw new Error(`Could not fetch the base model ${ref.name} (HTTP ${response.status} for ${ref.url}).`);
    return { kind: 'checkpoint', bytes: await response.arrayBuffer(), resume: false, name: ref.name };
  }
  if (ref.kind === 'hf') {
    const stored = await loadModelFiles(ref.id);
    if (!stored)
      throw new Error(
        `The imported model ${ref.name} is no longer in this browser: import its files again on the Train screen.`,
      );
    return { kind: 'hf', files: stored.files, prune: ref.prune, name: ref.name, maxContext: stored.meta.maxContext };
  }
  throw new Error(`Models of kind "${(ref as { kind: string }).kind}" cannot be loaded by this version of the studio.`);
}

/**
 * The template a run with these settings trains in, as the trainer is given it: what the form shows
 * (`chosenTemplate` for the model the run starts from), the studio's own for the base model and random weights.
 */
export async function runTemplateFor(settings: TrainSettings): Promise<RunTemplate> {
  const ref = settings.model;
  const meta = ref?.kind === 'hf' ? (await listModels()).find((m) => m.id === ref.id) : undefined;
  return trainerTemplate(chosenTemplate(settings, ownChatTemplate(meta), readsChatTemplates(meta)));
}
