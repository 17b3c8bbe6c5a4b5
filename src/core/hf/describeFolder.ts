/**
 * The work behind the "Import a model" panel, as plain functions over bytes (no tfjs backend, no DOM): they run in
 * `hfModelWorker` and in Node tests alike.
 *
 * - `describeHfFolder`: what a dropped folder holds, checked the way a run will load it (config, every weight's
 *   name and shape, the tokenizer against the model) — or an `HfImportError` naming the file at fault.
 * - `countPrunedVocabulary`: how many token ids the dataset's training strings keep after vocabulary pruning.
 */
import { countGptParams } from '../model/config';
import { planVocabPruning } from '../model/vocabPruning';
import type { ChatRecord } from '../text/chatTemplate';
import { formatOf, formatTrainingTexts, readRunTemplate } from '../text/recordFormat';
import type { RunTemplate } from '../text/runTemplate';
import { chatTemplateFiles, ownChatTemplateLocation } from './chatTemplateFiles';
import { asText, filesByBaseName, HfImportError, type HfFiles } from './files';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import { importHfFolder } from './importModel';
import { importHfTokenizer } from './tokenizerFiles';
import type { HfModelDescription, HfProblem } from './modelDescription';

export function problemOf(error: unknown): HfProblem {
  if (error instanceof HfImportError) return { file: error.file, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { file: '', message };
}

/** Reads a whole model folder (config, weights, tokenizer) as a run would, and describes it. Throws HfImportError. */
export function describeHfFolder(files: HfFiles): HfModelDescription {
  const imported = importHfFolder(files);
  const { source, config } = imported;
  const tokenizerFile = Object.keys(files).some((n) => n.split(/[\\/]/).pop() === 'tokenizer.json')
    ? 'tokenizer.json'
    : 'vocab.json + merges.txt';
  const nameOrPath = source.configJson._name_or_path;
  const own = ownChatTemplateLocation(files);
  return {
    ...(own ? { chatTemplate: own } : {}),
    architecture: source.architecture,
    config,
    positions: source.positions,
    parameters: countGptParams(config),
    tokenizer: {
      file: tokenizerFile,
      vocabSize: imported.tokenizer.vocabSize,
      endOfText: imported.tokenizer.endOfText,
    },
    weightFiles: source.weightFiles,
    storedDtypes: source.storedDtypes,
    notes: imported.notes,
    suggestedName: typeof nameOrPath === 'string' && nameOrPath.trim() !== '' ? nameOrPath.trim() : undefined,
  };
}

function ownTokenizer(files: HfFiles): HfTokenizer {
  const byName = filesByBaseName(files);
  const json = byName.get('tokenizer.json');
  if (json === undefined) throw new HfImportError('tokenizer.json', 'not provided; a chat template needs it.');
  const config = byName.get('tokenizer_config.json');
  return new HfTokenizer({
    tokenizerJson: asText(json),
    ...(config === undefined ? {} : { tokenizerConfig: asText(config) }),
  });
}

/** How many ids vocabulary pruning keeps for these records in this template (plus specials and the byte tokens), of how many. */
export function countPrunedVocabulary(
  tokenizerFiles: HfFiles,
  records: readonly ChatRecord[],
  template: RunTemplate = 'paper',
): { keptTokens: number; originalTokens: number } {
  const format = formatOf(readRunTemplate(template, chatTemplateFiles(tokenizerFiles)));
  // A chat template's special tokens are read by the model's own tokenizer, as a run reads them (tokenizerFiles.ts).
  const tokenizer =
    typeof format === 'string' ? importHfTokenizer(tokenizerFiles).tokenizer : ownTokenizer(tokenizerFiles);
  const { texts, specialTokensInText } = formatTrainingTexts(format, records);
  const plan = planVocabPruning(tokenizer, texts, { specialTokensInText });
  return { keptTokens: plan.keep.length, originalTokens: plan.originalVocabSize };
}
