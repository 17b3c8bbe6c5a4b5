/**
 * The files a model's chat template is read from: `tokenizer_config.json` (its `chat_template` and special tokens)
 * and `chat_template.jinja` (which transformers prefers when both exist), from a folder or from a tokenizer that
 * kept its config (a checkpoint of an imported model).
 */
import type { ChatTemplateFiles, TokenizerConfigLike } from '../text/chatTemplate';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { asText, filesByBaseName, parseJSONFile, type HfFiles } from './files';

export function chatTemplateFiles(files: HfFiles): ChatTemplateFiles {
  const byName = filesByBaseName(files);
  const config = byName.get('tokenizer_config.json');
  const jinja = byName.get('chat_template.jinja');
  const tokenizerConfig = (config ? parseJSONFile('tokenizer_config.json', config) : {}) as TokenizerConfigLike;
  return jinja !== undefined ? { tokenizerConfig, chatTemplateJinja: asText(jinja) } : { tokenizerConfig };
}

/** Where a folder's own chat template is (`HfModelDescription.chatTemplate`): the jinja file, the config, or none. */
export function ownChatTemplateLocation(files: HfFiles): string | undefined {
  const chatFiles = chatTemplateFiles(files);
  if (chatFiles.chatTemplateJinja?.trim()) return 'chat_template.jinja';
  return chatFiles.tokenizerConfig.chat_template ? 'tokenizer_config.json chat_template' : undefined;
}

/**
 * The chat-template files a tokenizer carries: a model's own tokenizer (kind 'hf', or pruned from one) keeps its
 * tokenizer_config.json; undefined for the studio's character and GPT-2 tokenizers, which have no special tokens a
 * chat template could write.
 */
export function tokenizerChatFiles(tokenizer: Tokenizer): ChatTemplateFiles | undefined {
  let json = tokenizer.toJSON() as { kind: string; base?: { kind: string }; tokenizerConfig?: unknown };
  if (json.kind === 'pruned' && json.base) json = json.base as typeof json;
  if (json.kind !== 'hf') return undefined;
  const config = typeof json.tokenizerConfig === 'string' ? json.tokenizerConfig : '{}';
  return { tokenizerConfig: parseJSONFile('tokenizer_config.json', config) as TokenizerConfigLike };
}
