import type { Exchange } from './record';
import { noteHistory } from './sharegpt';
import {
  applyScoreFields,
  checkText,
  collectMeta,
  optionalText,
  ownId,
  requiredText,
  RowRejection,
  typeName,
  type RowContext,
  type RowDraft,
  type RowReader,
} from './validate';

/** Which of a row's fields hold the input and the output (the instruction is always `instruction`). */
interface FieldNames {
  input: string;
  output: string;
}

/**
 * Rows that name their fields: instruction, an optional input, the output, an own id, a score field; every other
 * scalar field goes to `meta`. Alpaca and WizardLM spell them `input` / `output`, Dolly `context` / `response`.
 */
export function readNamedFields(row: Record<string, unknown>, ctx: RowContext, names: FieldNames): RowDraft {
  const draft: RowDraft = {
    id: ownId(row.id),
    instruction: requiredText(row, 'instruction', 'instruction'),
    input: optionalText(row, names.input),
    output: requiredText(row, names.output, 'output'),
    meta: {},
  };
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, new Set(['instruction', names.input, names.output, 'id', 'history']), draft.meta, ctx, scoreKey);
  return draft;
}

/**
 * Alpaca `{instruction, input, output}`; WizardLM `{instruction, output}` is the same with no input. LLaMA-Factory's
 * `history: [[instruction, response], …]` holds the exchanges before this one, oldest first; every one is trained.
 */
export const readAlpacaRow: RowReader = (row, ctx) => {
  const draft = readNamedFields(row, ctx, { input: 'input', output: 'output' });
  const history = readHistory(row.history);
  if (history.length > 0) draft.history = history;
  noteHistory(history, ctx);
  return draft;
};

function readHistory(value: unknown): Exchange[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new RowRejection(
      `wrong type: \`history\` is ${typeName(value)}, expected a list of [instruction, response] pairs`,
    );
  return value.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new RowRejection(
        `wrong type: \`history[${i}]\` is ${Array.isArray(pair) ? `a list of ${pair.length}` : typeName(pair)}, expected an [instruction, response] pair`,
      );
    }
    return {
      user: checkText(pair[0], 'instruction', `\`history[${i}][0]\``) as string,
      assistant: checkText(pair[1], 'output', `\`history[${i}][1]\``) as string,
    };
  });
}
