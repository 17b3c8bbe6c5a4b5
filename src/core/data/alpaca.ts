import { applyScoreFields, collectMeta, optionalText, ownId, requiredText, type RowDraft, type RowReader } from './validate';

const OWN_FIELDS: ReadonlySet<string> = new Set(['instruction', 'input', 'output', 'id']);

/** Alpaca `{instruction, input, output}`; WizardLM `{instruction, output}` is the same with no input. */
export const readAlpacaRow: RowReader = (row, ctx) => {
  const draft: RowDraft = {
    id: ownId(row.id),
    instruction: requiredText(row, 'instruction', 'instruction'),
    input: optionalText(row, 'input'),
    output: requiredText(row, 'output', 'output'),
    meta: {},
  };
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx, scoreKey);
  return draft;
};
