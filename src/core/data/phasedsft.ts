import {
  applyScore,
  checkText,
  collectMeta,
  ownId,
  RowRejection,
  typeName,
  type RowDraft,
  type RowReader,
} from './validate';

const OWN_FIELDS: ReadonlySet<string> = new Set(['id', 'score', 'data']);

/**
 * PhasedSFT scored rows `{"id": "46229", "score": "3.5625\n\n", "data": [prompt, response]}`.
 * The prompt is the instruction with the input appended after a newline; where one ends and the other begins is
 * not marked, so the whole prompt is kept verbatim as the instruction and `input` is ''.
 */
export const readPhasedSftRow: RowReader = (row, ctx) => {
  const data = row.data;
  if (data === undefined || data === null) {
    throw new RowRejection(`missing instruction and output: no \`data\` field (expected [prompt, response])`);
  }
  if (!Array.isArray(data)) {
    throw new RowRejection(`wrong type: \`data\` is ${typeName(data)}, expected [prompt, response]`);
  }
  const instruction = checkText(data[0], 'instruction', '`data[0]` (prompt)') as string;
  if (data.length < 2) {
    throw new RowRejection(
      `missing output: \`data\` has ${data.length} element${data.length === 1 ? '' : 's'}, expected [prompt, response]`,
    );
  }
  const output = checkText(data[1], 'output', '`data[1]` (response)') as string;
  if (data.length > 2) ctx.warn(`\`data\` has ${data.length} elements; used the first two as [prompt, response]`);
  const draft: RowDraft = { id: ownId(row.id), instruction, input: '', output, meta: {} };
  applyScore(draft, row.score, 'score', ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx);
  return draft;
};
