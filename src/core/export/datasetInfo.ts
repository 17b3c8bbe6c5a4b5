import type { ResolvedScaleOut } from './scaleOutOptions';

function datasetEntry(fileName: string) {
  return { file_name: fileName, formatting: 'alpaca', columns: { prompt: 'instruction', query: 'input', response: 'output' } };
}

/** `data/dataset_info.json`: LLaMA-Factory's registry of every JSONL file of the recipe, in Alpaca format. */
export function datasetInfoJson(r: ResolvedScaleOut): string {
  const info: Record<string, ReturnType<typeof datasetEntry>> = {};
  for (const st of [...r.stages].sort((a, b) => a.phase - b.phase)) info[st.datasetName] = datasetEntry(st.dataFile);
  if (r.oneOff) info[r.oneOff.datasetName] = datasetEntry(r.oneOff.dataFile);
  if (r.heldOut.records > 0) info[r.heldOut.datasetName] = datasetEntry(r.heldOut.dataFile);
  return `${JSON.stringify(info, null, 2)}\n`;
}
