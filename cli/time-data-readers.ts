/**
 * Timing check for the data layer (not a test): a ~50 MB, 52 000-record Alpaca dataset as a JSON array, as JSONL, as
 * PhasedSFT JSONL and as CSV, each through `parseDataset` (decode + sniff + read + validate) in a fresh Node process,
 * the way a worker sees one dropped file. Prints the cold first parse and the best of three more.
 *   npx tsx cli/time-data-readers.ts
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { parseDataset } from '../src/core/data/parseDataset';
import { alpacaRecords } from '../src/core/data/testing/fixtures';

const N = 52_000;
const FILES = ['alpaca_data.json', 'alpaca_data.jsonl', 'alpaca_scored.jsonl', 'alpaca.csv'];

function makeFile(name: string): string {
  // Every tenth output carries non-ASCII text, so decoding is not the all-ASCII fast path.
  const rows = alpacaRecords(N, 1150).map((r, i) => ({
    ...r,
    output: i % 10 === 0 ? `${r.output} — naïve café ✓` : r.output,
  }));
  if (name === 'alpaca_data.json') return JSON.stringify(rows, null, 2);
  if (name === 'alpaca_data.jsonl') return rows.map((r) => JSON.stringify(r)).join('\n');
  if (name === 'alpaca_scored.jsonl') {
    return rows
      .map((r, i) =>
        JSON.stringify({
          id: String(46229 + i),
          score: `${(1 + (i % 400) / 100).toFixed(4)}\n\n`,
          data: [`${r.instruction}\n${r.input}`, r.output],
        }),
      )
      .join('\n');
  }
  return Papa.unparse(rows);
}

async function timeOne(name: string): Promise<void> {
  const bytes = new TextEncoder().encode(makeFile(name));
  const times: number[] = [];
  const cpu: number[] = [];
  let accepted = 0;
  let progressCalls = 0;
  for (let run = 0; run < 4; run++) {
    progressCalls = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const parsed = await parseDataset(bytes, name, { onProgress: () => progressCalls++ });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    accepted = parsed.report.accepted;
  }
  const [coldMs, ...warmMs] = times as [number, ...number[]]; // four runs: the first cold, the rest warm
  const best = Math.min(...warmMs);
  // CPU time (all threads, GC helpers included) is shown too: on a loaded machine wall time measures the neighbours.
  console.log(
    `${name.padEnd(20)} ${(bytes.length / 1e6).toFixed(1)} MB  ${accepted} records  cold ${coldMs.toFixed(0)} ms ` +
      `(cpu ${cpu[0]!.toFixed(0)} ms), warm best ${best.toFixed(0)} ms (${(bytes.length / 1e6 / (best / 1000)).toFixed(0)} MB/s)  ` +
      `${progressCalls} progress calls`,
  );
}

const which = process.argv[2];
if (which) await timeOne(which);
else {
  console.log(`Node ${process.version}`);
  for (const name of FILES) {
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
  }
}
