/**
 * The tokenizer of the model the next run starts from, for showing a record as that model sees it: the demo base
 * model's, a random initialisation's (built from the data, as the trainer builds it), or an imported model's own
 * files. An imported tokenizer is read by modules loaded on demand, so their libraries stay out of the page's chunk.
 */
import type { InstructionRecord } from '../core/data/record';
import type { TrainSettings } from '../core/runs/settings';
import type { ChatTemplateFiles, ChatTokenizer, TokenizerConfigLike } from '../core/text/chatTemplate';
import { loadTokenizerFiles } from '../storage/modelStorage';
import { modelVocabulary } from './modelVocabulary';
import type { RenderingTokenizer } from './recordRendering';

export interface ViewTokenizer {
  tokenizer: RenderingTokenizer;
  /** The model's positions, when known before a run (an imported model's are checked when it starts). */
  contextLength?: number;
  /** What a chat template reads of the model: its tokenizer_config.json (special tokens) and chat_template.jinja. */
  chatFiles: ChatTemplateFiles;
  /** The tokenizer when it reads special tokens written in text (a `tokenizer.json` one): chat rows are counted. */
  chatTokenizer?: ChatTokenizer;
}

const imported = new Map<string, Promise<ViewTokenizer>>();
const text = (bytes: ArrayBuffer) => new TextDecoder().decode(bytes);

/** The chat-template files among an imported model's tokenizer files; a damaged config is named. */
function chatFilesOf(files: Record<string, ArrayBuffer>): ChatTemplateFiles {
  const config = files['tokenizer_config.json'];
  let tokenizerConfig: TokenizerConfigLike = {};
  if (config) {
    try {
      tokenizerConfig = JSON.parse(text(config)) as TokenizerConfigLike;
    } catch (error) {
      throw new Error(`tokenizer_config.json of this model is not valid JSON (${(error as Error).message}).`);
    }
  }
  const jinja = files['chat_template.jinja'];
  return jinja ? { tokenizerConfig, chatTemplateJinja: text(jinja) } : { tokenizerConfig };
}

async function importedTokenizer(id: string, name: string): Promise<ViewTokenizer> {
  const files = await loadTokenizerFiles(id);
  if (!files)
    throw new Error(`The imported model ${name} is no longer in this browser: import it again, or pick another.`);
  const chatFiles = chatFilesOf(files);
  const json = files['tokenizer.json'];
  if (json) {
    const { HfTokenizer } = await import('../core/tokenizer/hfTokenizer');
    const config = files['tokenizer_config.json'];
    const tokenizer = new HfTokenizer({
      tokenizerJson: text(json),
      ...(config ? { tokenizerConfig: text(config) } : {}),
    });
    return { tokenizer, chatFiles, chatTokenizer: tokenizer };
  }
  const { importHfTokenizer } = await import('../core/hf/tokenizerFiles');
  return { tokenizer: importHfTokenizer(files).tokenizer, chatFiles };
}

export function viewTokenizer(
  settings: Pick<TrainSettings, 'model' | 'preset'>,
  records: readonly InstructionRecord[],
): Promise<ViewTokenizer> {
  const ref = settings.model;
  if (ref?.kind !== 'hf')
    return modelVocabulary(settings, records).then((v) => {
      if (!v) throw new Error('No tokenizer is known for this model before a run starts.');
      // The studio's tokenizers have no special tokens a chat template could write.
      return { tokenizer: v.tokenizer, contextLength: v.contextLength, chatFiles: { tokenizerConfig: {} } };
    });
  let pending = imported.get(ref.id);
  if (!pending) {
    pending = importedTokenizer(ref.id, ref.name);
    imported.set(ref.id, pending);
    pending.catch(() => imported.delete(ref.id));
  }
  return pending;
}
