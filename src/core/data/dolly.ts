import { readNamedFields } from './alpaca';
import type { RowReader } from './validate';

/** Dolly `{instruction, context, response, category}`: context becomes the input; category stays in meta. */
export const readDollyRow: RowReader = (row, ctx) =>
  readNamedFields(row, ctx, { input: 'context', output: 'response' });
