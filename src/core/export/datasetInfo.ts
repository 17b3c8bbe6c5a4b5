import type { ResolvedScaleOut } from './scaleOutOptions';

/**
 * One Alpaca-format entry. A file holding conversations also names the `history` column (`[[user, assistant], …]`);
 * a file without them does not, since LLaMA-Factory reads a named column from every row.
 */
function datasetEntry(fileName: string, withHistory: ReadonlySet<string>) {
  const columns: Record<string, string> = { prompt: 'instruction', query: 'input', response: 'output' };
  if (withHistory.has(fileName)) columns.history = 'history';
  return { file_name: fileName, formatting: 'alpaca', columns };
}

/**
 * `data/dataset_info.json`: LLaMA-Factory's registry of every JSONL file of the recipe, in Alpaca format.
 * `withHistory` names the data files that hold a conversation.
 */
export function datasetInfoJson(r: ResolvedScaleOut, withHistory: ReadonlySet<string> = new Set()): string {
  const info: Record<string, ReturnType<typeof datasetEntry>> = {};
  for (const st of [...r.stages].sort((a, b) => a.phase - b.phase))
    info[st.datasetName] = datasetEntry(st.dataFile, withHistory);
  if (r.oneOff) info[r.oneOff.datasetName] = datasetEntry(r.oneOff.dataFile, withHistory);
  if (r.heldOut.records > 0) info[r.heldOut.datasetName] = datasetEntry(r.heldOut.dataFile, withHistory);
  return `${JSON.stringify(info, null, 2)}\n`;
}
