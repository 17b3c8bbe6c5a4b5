import type { Exchange } from './record';
import { noteHistory } from './sharegpt';
import { applyScoreFields, checkText, collectMeta, optionalText, ownId, requiredText, RowRejection, typeName, type RowDraft, type RowReader } from './validate';

const OWN_FIELDS: ReadonlySet<string> = new Set(['instruction', 'input', 'output', 'id', 'history']);

/**
 * Alpaca `{instruction, input, output}`; WizardLM `{instruction, output}` is the same with no input. LLaMA-Factory's
 * `history: [[instruction, response], …]` holds the exchanges before this one, oldest first; every one is trained.
 */
export const readAlpacaRow: RowReader = (row, ctx) => {
  const draft: RowDraft = {
    id: ownId(row.id),
    instruction: requiredText(row, 'instruction', 'instruction'),
    input: optionalText(row, 'input'),
    output: requiredText(row, 'output', 'output'),
    meta: {},
  };
  const history = readHistory(row.history);
  if (history.length > 0) draft.history = history;
  noteHistory(history, ctx);
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx, scoreKey);
  return draft;
};

function readHistory(value: unknown): Exchange[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RowRejection(`wrong type: \`history\` is ${typeName(value)}, expected a list of [instruction, response] pairs`);
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
