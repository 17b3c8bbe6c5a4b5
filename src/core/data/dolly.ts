import { applyScoreFields, collectMeta, optionalText, ownId, requiredText, type RowDraft, type RowReader } from './validate';

const OWN_FIELDS: ReadonlySet<string> = new Set(['instruction', 'context', 'response', 'id']);

/** Dolly `{instruction, context, response, category}`: context becomes the input; category stays in meta. */
export const readDollyRow: RowReader = (row, ctx) => {
  const draft: RowDraft = {
    id: ownId(row.id),
    instruction: requiredText(row, 'instruction', 'instruction'),
    input: optionalText(row, 'context'),
    output: requiredText(row, 'response', 'output'),
    meta: {},
  };
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx, scoreKey);
  return draft;
};
