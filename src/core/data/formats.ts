import type { DatasetFormat } from './record';

/** How the rows sit in the file. */
export type Container = 'json-array' | 'jsonl' | 'delimited' | 'parquet';

/** What one JSON row looks like; decides which reader turns it into an `InstructionRecord`. */
export type RecordShape =
  | 'alpaca'
  | 'wizardlm'
  | 'dolly'
  | 'phasedsft'
  | 'sharegpt'
  | 'openai-messages'
  | 'prompt-completion'
  | 'preference'
  | 'kto';

/** The label for each format when nothing more is known about it. */
export const FORMAT_LABELS: Record<DatasetFormat, string> = {
  'alpaca-json': 'Alpaca JSON array',
  'alpaca-jsonl': 'Alpaca JSONL',
  phasedsft: 'PhasedSFT scored JSONL',
  dolly: 'Dolly JSONL',
  sharegpt: 'ShareGPT conversations',
  'openai-messages': 'OpenAI messages',
  'prompt-completion': 'Prompt–completion (TRL)',
  preference: 'Preference pairs (chosen/rejected)',
  kto: 'KTO feedback (labelled answers)',
  csv: 'CSV',
  tsv: 'TSV (tab-separated)',
  parquet: 'Parquet',
};

const SHAPE_NAMES: Record<RecordShape, string> = {
  alpaca: 'Alpaca',
  wizardlm: 'WizardLM (instruction/output)',
  dolly: 'Dolly',
  phasedsft: 'PhasedSFT scored',
  sharegpt: 'ShareGPT conversations',
  'openai-messages': 'OpenAI messages',
  'prompt-completion': 'Prompt–completion (TRL)',
  preference: 'Preference pairs (chosen/rejected)',
  kto: 'KTO feedback (labelled answers)',
};

/** The known JSON row shapes, as an error message lists them. */
export const KNOWN_SHAPES =
  'Alpaca {instruction, input, output}; WizardLM {instruction, output}; Dolly {instruction, context, response, category}; ' +
  'PhasedSFT {id, score, data: [prompt, response]}; ShareGPT {conversations: [{from, value}]}; OpenAI {messages: [{role, content}]}; ' +
  'TRL {prompt, completion}; preference pairs {…, chosen, rejected}; KTO {…, label}';

export function shapeToFormat(shape: RecordShape, container: Container): DatasetFormat {
  switch (shape) {
    case 'alpaca':
    case 'wizardlm':
      return container === 'jsonl' ? 'alpaca-jsonl' : 'alpaca-json';
    default:
      return shape;
  }
}

/** A human label: "Alpaca JSON array", "PhasedSFT scored JSONL", "Dolly JSON array", "Parquet (ShareGPT conversations)". */
export function formatLabel(
  format: DatasetFormat,
  detail: { container?: Container; shape?: RecordShape; delimiter?: string } = {},
): string {
  const { container, shape, delimiter } = detail;
  if (format === 'parquet') return shape ? `Parquet (${SHAPE_NAMES[shape]})` : FORMAT_LABELS.parquet;
  if (format === 'csv') return delimiter && delimiter !== ',' ? `CSV (separated by "${delimiter}")` : FORMAT_LABELS.csv;
  if (format === 'tsv') return FORMAT_LABELS.tsv;
  if (shape && container) return `${SHAPE_NAMES[shape]} ${container === 'jsonl' ? 'JSONL' : 'JSON array'}`;
  return FORMAT_LABELS[format];
}
