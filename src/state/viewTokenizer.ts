/**
 * The tokenizer of the model the next run starts from, for showing a record as that model sees it: the demo base
 * model's, a random initialisation's (built from the data, as the trainer builds it), or an imported model's own
 * files. An imported tokenizer is read by a module loaded on demand, so its code stays out of the page's first chunk.
 */
import type { InstructionRecord } from '../core/data/record';
import type { TrainSettings } from '../core/runs/settings';
import { loadTokenizerFiles } from '../storage/modelStorage';
import { modelVocabulary } from './modelVocabulary';
import type { RenderingTokenizer } from './recordRendering';

export interface ViewTokenizer {
  tokenizer: RenderingTokenizer;
  /** The model's positions, when known before a run (an imported model's are checked when it starts). */
  contextLength?: number;
}

const imported = new Map<string, Promise<ViewTokenizer>>();

export function viewTokenizer(
  settings: Pick<TrainSettings, 'model' | 'preset'>,
  records: readonly InstructionRecord[],
): Promise<ViewTokenizer> {
  const ref = settings.model;
  if (ref?.kind !== 'hf')
    return modelVocabulary(settings, records).then((v) => {
      if (!v) throw new Error('No tokenizer is known for this model before a run starts.');
      return v;
    });
  let pending = imported.get(ref.id);
  if (!pending) {
    pending = (async () => {
      const files = await loadTokenizerFiles(ref.id);
      if (!files)
        throw new Error(
          `The imported model ${ref.name} is no longer in this browser: import it again, or pick another.`,
        );
      const { importHfTokenizer } = await import('../core/hf/tokenizerFiles');
      return { tokenizer: importHfTokenizer(files).tokenizer };
    })();
    imported.set(ref.id, pending);
    pending.catch(() => imported.delete(ref.id));
  }
  return pending;
}
