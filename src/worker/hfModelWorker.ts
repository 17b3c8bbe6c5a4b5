/// <reference lib="webworker" />
// Checks imported Hugging Face folders and writes exports off the page's thread: a 500 MB model.safetensors is
// parsed, shape-checked and converted here, and the page stays responsive.
import { fingerprintFiles } from '../core/hf/fingerprint';
import { countPrunedVocabulary, describeHfFolder, problemOf } from '../core/hf/describeFolder';
import { exportRunAsHf, exportRunAsPeft } from '../core/hf/exportRun';
import { zipFolder } from '../core/export/zip';
import type { HfFileBytes, HfModelRequest, HfModelResponse } from './hfModelProtocol';

const scope = self as DedicatedWorkerGlobalScope;
const post = (message: HfModelResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
const buffersOf = (files: HfFileBytes) => Object.values(files);

scope.onmessage = (event: MessageEvent<HfModelRequest>) => {
  const request = event.data;
  const { id } = request;
  try {
    switch (request.type) {
      case 'inspect': {
        const description = describeHfFolder(request.files);
        post(
          { id, type: 'inspected', description, fingerprint: fingerprintFiles(request.files), files: request.files },
          buffersOf(request.files),
        );
        break;
      }
      case 'pruneCount':
        post({
          id,
          type: 'pruneCount',
          ...countPrunedVocabulary(request.files, request.records, request.template),
        });
        break;
      case 'export': {
        const checkpoint = new Uint8Array(request.checkpoint);
        const out =
          request.as === 'peft'
            ? exportRunAsPeft(request.files, checkpoint, request.baseModel)
            : exportRunAsHf(request.files, checkpoint);
        const zip = zipFolder(out.files, request.folder);
        post(
          {
            id,
            type: 'exported',
            fileName: zip.fileName,
            zip: zip.bytes,
            names: Object.keys(out.files),
            notes: out.notes,
          },
          [zip.bytes.buffer],
        );
        break;
      }
    }
  } catch (error) {
    if (request.type === 'inspect')
      post({ id, type: 'error', problem: problemOf(error), files: request.files }, buffersOf(request.files));
    else post({ id, type: 'error', problem: problemOf(error) });
  }
};
