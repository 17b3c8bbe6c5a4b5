// The import-direction rule of eslint.config.js, tried on imports that break it (and ones that keep it), so a
// config change that silently lets them through fails here.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// The snippets are files no tsconfig holds, so there are no types to lint them with; the import rules need none.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

/** The import-restriction messages ESLint reports for `code` as if it were the file at `filePath`. */
async function restrictions(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const wrong: [file: string, code: string, why: RegExp][] = [
  [
    'src/core/runs/x.ts',
    "import { useTrainStore } from '../../state/trainStore';\nexport const s = useTrainStore;\n",
    /core may import only core/,
  ],
  ['src/core/x.ts', "import { App } from '../ui/App';\nexport const a = App;\n", /core may import only core/],
  [
    'src/core/model/x.ts',
    "import { saveRun } from '../../storage/runStorage';\nexport const s = saveRun;\n",
    /core may import only core/,
  ],
  [
    'src/core/x.ts',
    "import type { TrainRequest } from '../worker/trainProtocol';\nexport type T = TrainRequest;\n",
    /core may import only core/,
  ],
  ['src/core/x.ts', "import { useState } from 'react';\nexport const u = useState;\n", /no React/],
  [
    'src/storage/x.ts',
    "import type { Run } from '../state/trainStore';\nexport type R = Run;\n",
    /storage may import only core/,
  ],
  [
    'src/storage/x.ts',
    "import type { ScoreSet } from '../worker/dataProtocol';\nexport type S = ScoreSet;\n",
    /storage may import only core/,
  ],
  [
    'src/worker/x.ts',
    "import { useDatasetStore } from '../state/datasetStore';\nexport const d = useDatasetStore;\n",
    /worker may import only core/,
  ],
  [
    'src/worker/x.ts',
    "import { loadRuns } from '../storage/runStorage';\nexport const l = loadRuns;\n",
    /worker may import only core/,
  ],
  [
    'src/state/x.ts',
    "import { formatBytes } from '../ui/model/ModelImportPanel';\nexport const f = formatBytes;\n",
    /state may import only storage, worker and core/,
  ],
  [
    'src/state/x.ts',
    "import { chooseBackend } from '../worker/backends';\nexport const c = chooseBackend;\n",
    /through its \*Client/,
  ],
  [
    'src/state/x.ts',
    "import * as tf from '@tensorflow/tfjs-core';\nexport const t = tf;\n",
    /tfjs stays out of the page/,
  ],
  [
    'src/ui/train/X.tsx',
    "import { loadRuns } from '../../storage/runStorage';\nexport const l = loadRuns;\n",
    /ui may import only state and core/,
  ],
  [
    'src/ui/X.tsx',
    "import { trainClient } from '../worker/trainClient';\nexport const c = trainClient;\n",
    /ui may import only state and core/,
  ],
  [
    'src/core/data/x.ts',
    "import { utf8 } from './testing/fixtures';\nexport const u = utf8;\n",
    /only tests import it/,
  ],
  [
    'src/state/x.ts',
    "import { ToyTokenizer } from '../core/text/testing/toyData';\nexport const t = ToyTokenizer;\n",
    /only tests import it/,
  ],
  // The floors inside core (CORE_FLOORS): a folder imports only floors below it, never one beside it.
  [
    'src/core/text/x.ts',
    "import { PAPER_HYPER } from '../train/hyper';\nexport const p = PAPER_HYPER;\n",
    /core\/text may import only/,
  ],
  [
    'src/core/eval/x.ts',
    "import { trainStep } from '../train/trainStep';\nexport const t = trainStep;\n",
    /core\/eval may import only/,
  ],
  [
    'src/core/model/x.ts',
    "import { importHfModel } from '../hf/importModel';\nexport const i = importHfModel;\n",
    /core\/model may import only/,
  ],
  [
    'src/core/data/x.ts',
    "import { heuristicScorer } from '../difficulty/heuristicScorer';\nexport const h = heuristicScorer;\n",
    /core\/data is on the core's ground floor/,
  ],
  [
    'src/core/hf/x.ts',
    "import { evaluateHeldOut } from '../eval/heldOutLoss';\nexport const e = evaluateHeldOut;\n",
    /core\/hf may import only/,
  ],
  [
    'src/core/difficulty/judge/x.ts',
    "import { Run } from '../../runs/run';\nexport type R = Run;\n",
    /core\/difficulty may import only/,
  ],
  [
    'src/core/train/x.ts',
    "import { parseTrainFile } from '../runs/runFile';\nexport const p = parseTrainFile;\n",
    /core\/train may import only/,
  ],
  [
    'cli/x.ts',
    "import { useTrainStore } from '../src/state/trainStore';\nexport const u = useTrainStore;\n",
    /cli runs src\/core in Node/,
  ],
  [
    'cli/bench/x.ts',
    "import { chooseBackend } from '../../src/worker/backends';\nexport const c = chooseBackend;\n",
    /cli runs src\/core in Node/,
  ],
];

const right: [file: string, code: string][] = [
  [
    'src/core/runs/x.ts',
    "import type { Run } from './run';\nimport { GPT_PRESETS } from '../model/config';\nexport type R = Run;\nexport const p = GPT_PRESETS;\n",
  ],
  ['src/storage/x.ts', "import type { Run } from '../core/runs/run';\nexport type R = Run;\n"],
  ['src/worker/x.ts', "import { applyRunEvent } from '../core/runs/applyRunEvent';\nexport const a = applyRunEvent;\n"],
  [
    'src/state/x.ts',
    "import { saveRun } from '../storage/runStorage';\nimport { trainClient } from '../worker/trainClient';\nimport type { TrainResponse } from '../worker/trainProtocol';\nexport const s = [saveRun, trainClient];\nexport type T = TrainResponse;\n",
  ],
  ['src/core/data/x.test.ts', "import { utf8 } from './testing/fixtures';\nexport const u = utf8;\n"],
  [
    'src/core/export/testing/x.ts',
    "import { makeRecord } from '../../phases/testing/records';\nexport const m = makeRecord;\n",
  ],
  [
    'src/ui/train/X.tsx',
    "import { useTrainStore } from '../../state/trainStore';\nimport type { Run } from '../../core/runs/run';\nimport { Banner } from '../common/Banner';\nexport const u = [useTrainStore, Banner];\nexport type R = Run;\n",
  ],
  [
    'src/core/train/x.ts',
    "import { encodeExample } from '../text/template';\nimport { evaluateHeldOut } from '../eval/heldOutLoss';\nexport const e = [encodeExample, evaluateHeldOut];\n",
  ],
  ['src/core/hf/x.test.ts', "import { startingModel } from '../train/modelSource';\nexport const s = startingModel;\n"],
  [
    'cli/x.ts',
    "import type { BrowserBenchRequest } from '../src/state/browserBench';\nimport { utf8 } from '../src/core/data/testing/fixtures';\nexport type B = BrowserBenchRequest;\nexport const u = utf8;\n",
  ],
];

describe('layer boundaries (eslint no-restricted-imports)', () => {
  it.each(wrong)('%s may not: %s', async (file, code, why) => {
    const messages = await restrictions(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(why);
  });

  it.each(right)('%s may: %s', async (file, code) => {
    expect(await restrictions(file, code)).toEqual([]);
  });
});
