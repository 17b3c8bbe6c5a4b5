/// <reference lib="webworker" />
// Parses and scores datasets off the main thread, so a 50 MB file never freezes the page.
import { parseDataset } from '../core/data/parseDataset';
import { DatasetError, type InstructionRecord } from '../core/data/record';
import { scorers } from '../core/difficulty/registry';
import { hashBytesHex } from '../core/util/hash';
import type { ScoreSet } from '../core/data/scoreSet';
import { RECORD_CHUNK, type DataRequest, type DataResponse } from './dataProtocol';

const post = (message: DataResponse, transfer: Transferable[] = []) =>
  (self as DedicatedWorkerGlobalScope).postMessage(message, transfer);

async function handleParse(request: DataRequest): Promise<void> {
  const { id } = request;
  const contentHash = hashBytesHex(new Uint8Array(request.bytes));
  const parsed = await parseDataset(new Uint8Array(request.bytes), request.fileName, {
    csvMapping: request.csvMapping,
    onProgress: (fraction, records) => post({ id, type: 'progress', stage: 'reading', fraction, records }),
  });

  const scoreSets: ScoreSet[] = [];
  // Every cheap scorer that can rate this dataset runs now, so switching scorer in the UI is instant.
  const available = scorers.list(parsed.records).filter((option) => option.available);
  for (const scorer of available.map((option) => scorers.create(option.id))) {
    const result = await scorer.score(parsed.records, {
      onProgress: (fraction) =>
        post({ id, type: 'progress', stage: 'scoring', fraction, records: parsed.records.length }),
    });
    scoreSets.push({ scorerId: scorer.id, scores: result.scores, problems: result.problems });
  }

  sendRecords(id, parsed.records);
  post(
    {
      id,
      type: 'done',
      contentHash,
      format: parsed.format,
      formatLabel: parsed.formatLabel,
      report: parsed.report,
      scoreSets,
      columns: parsed.columns,
    },
    scoreSets.map((s) => s.scores.buffer as ArrayBuffer),
  );
}

function sendRecords(id: number, records: InstructionRecord[]) {
  for (let start = 0; start < records.length; start += RECORD_CHUNK) {
    post({ id, type: 'records', records: records.slice(start, start + RECORD_CHUNK) });
  }
}

self.onmessage = (event: MessageEvent<DataRequest>) => {
  const request = event.data;
  handleParse(request).catch((error: unknown) => {
    if (error instanceof DatasetError)
      post({ id: request.id, type: 'error', message: error.message, hint: error.hint });
    else
      post({
        id: request.id,
        type: 'error',
        message: `Could not read "${request.fileName}": ${String(error)}`,
        hint: 'If the file looks right to you, please report this as a bug.',
      });
  });
};
