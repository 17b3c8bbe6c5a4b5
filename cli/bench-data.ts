/**
 * Data-pipeline benchmark: parse → score (heuristic) → bucket (phase plan with held-out split and stats) on a
 * 52 000-record Alpaca-shaped JSON file of about 50 MB (the size of alpaca-gpt4; plain Alpaca is ~22 MB).
 *
 * Run: `npm run bench:data` (= `npx tsx cli/bench-data.ts`). The file is generated deterministically (seeded) into
 * bench-results/alpaca-52k.json; each stage is timed on 5 runs after one warm-up run, and the medians are printed
 * and written to bench-results/data.json. Figures are quoted in docs/BENCHMARKS.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDataset } from '../src/core/data/parseDataset';
import { scoreHeuristically } from '../src/core/difficulty/heuristicScorer';
import { scoreHistogram } from '../src/core/phases/histogram';
import { DEFAULT_CUTOFFS, planByCutoffs } from '../src/core/phases/plan';
import { createRng, type Rng } from '../src/core/util/random';

const RECORDS = 52_000;
const RUNS = 5;
const SEED = 52;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench-results');

// ---- A deterministic Alpaca-shaped dataset with realistic field lengths ----

const WORDS = (
  'the of and to a in is that for it as with was on be by this are or from at an which have not can but ' +
  'all they their one more been has would will about there when what so some into other than time only ' +
  'people its also two new first could these way may like use most after over used well many water ' +
  'system data model energy story example process student history city language music health market ' +
  'climate computer network design research policy product customer company science space planet ' +
  'important different several common simple complex effective natural social global local digital ' +
  'explain describe compare provide create write generate suggest analyze identify classify summarize ' +
  'improve reduce increase protect develop support consider include require allow help make find give ' +
  'quickly carefully clearly often usually generally significantly especially directly easily ' +
  'café naïve résumé — “quoted” ‘single’ 東京 😀'
).split(' ');

const VERBS = [
  'Explain',
  'Describe',
  'Write',
  'Generate',
  'Create',
  'Summarize',
  'Classify',
  'Compare',
  'List',
  'Suggest',
  'Rewrite',
  'Translate',
  'Identify',
  'Find',
];

/** A length from a log-normal with the given median, clamped. */
function lengthAround(rng: Rng, median: number, sigma: number, min: number, max: number): number {
  const u1 = Math.max(rng.next(), 1e-12);
  const u2 = rng.next();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * z))));
}

function sentences(rng: Rng, chars: number): string {
  let out = '';
  while (out.length < chars) {
    const n = rng.intBetween(6, 22);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
    const s = words.join(' ');
    out += `${out.length > 0 ? ' ' : ''}${s.charAt(0).toUpperCase()}${s.slice(1)}${rng.pick(['.', '.', '.', '!', '?', ','])}`;
  }
  return out;
}

function makeOutput(rng: Rng): string {
  const chars = lengthAround(rng, 450, 0.8, 1, 9000);
  const kind = rng.next();
  if (kind < 0.15) {
    const items = Math.max(2, Math.round(chars / 90));
    return Array.from({ length: items }, (_, i) => `${i + 1}. ${sentences(rng, 70)}`).join('\n');
  }
  if (kind < 0.2) {
    const body = Array.from(
      { length: Math.max(2, Math.round(chars / 40)) },
      (_, i) => `    x${i} = compute("${rng.pick(WORDS)}", ${i})`,
    ).join('\n');
    return `${sentences(rng, 60)}\n\n\`\`\`python\ndef main():\n${body}\n\`\`\``;
  }
  if (kind < 0.22) return JSON.stringify({ name: rng.pick(WORDS), items: [1, 2, 3].map(() => rng.pick(WORDS)) });
  const text = sentences(rng, chars);
  return rng.chance(0.3) ? text.replace(/\. /g, (m) => (rng.chance(0.15) ? '.\n\n' : m)) : text;
}

function makeBenchRecords(n: number, seed: number): { instruction: string; input: string; output: string }[] {
  const rng = createRng(seed);
  const out: { instruction: string; input: string; output: string }[] = [];
  for (let i = 0; i < n; i++) {
    const instruction = `${rng.pick(VERBS)} ${sentences(rng, lengthAround(rng, 70, 0.5, 10, 600)).replace(/^./, (c) => c.toLowerCase())}`;
    const input = rng.chance(0.4) ? sentences(rng, lengthAround(rng, 130, 0.8, 5, 4000)) : '';
    out.push({ instruction, input, output: makeOutput(rng) });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const dataPath = join(outDir, 'alpaca-52k.json');
  const tGen = performance.now();
  // alpaca_data.json's own layout: a JSON array indented by 4 spaces
  writeFileSync(dataPath, JSON.stringify(makeBenchRecords(RECORDS, SEED), null, 4));
  const bytes = new Uint8Array(readFileSync(dataPath));
  console.log(
    `generated ${dataPath}: ${RECORDS} records, ${(bytes.length / 1e6).toFixed(1)} MB in ${(performance.now() - tGen).toFixed(0)} ms`,
  );

  const loadBefore = loadavg()[0]!;
  const times = { parse: [] as number[], score: [] as number[], bucket: [] as number[], total: [] as number[] };
  let phaseCounts: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    const parsed = await parseDataset(bytes, 'alpaca-52k.json');
    const t1 = performance.now();
    const { scores } = scoreHeuristically(parsed.records);
    const t2 = performance.now();
    const plan = planByCutoffs(parsed.records, scores, DEFAULT_CUTOFFS, { scorerId: 'heuristic' });
    scoreHistogram(scores);
    const t3 = performance.now();
    if (parsed.records.length !== RECORDS)
      throw new Error(`parsed ${parsed.records.length} records, expected ${RECORDS}`);
    phaseCounts = plan.phases.map((p) => p.stats.count);
    const label = run === 0 ? 'warm-up' : `run ${run}`;
    console.log(
      `${label.padEnd(8)} parse ${(t1 - t0).toFixed(0)} ms, score ${(t2 - t1).toFixed(0)} ms, bucket ${(t3 - t2).toFixed(0)} ms, total ${(t3 - t0).toFixed(0)} ms`,
    );
    if (run === 0) continue;
    times.parse.push(t1 - t0);
    times.score.push(t2 - t1);
    times.bucket.push(t3 - t2);
    times.total.push(t3 - t0);
  }

  const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof times,
    number
  >;
  console.log(
    `\nmedian of ${RUNS} runs (warm-up excluded), ${RECORDS} records, ${(bytes.length / 1e6).toFixed(1)} MB:`,
  );
  for (const [stage, ms] of Object.entries(medians)) {
    console.log(
      `  ${stage.padEnd(7)} ${ms.toFixed(1).padStart(8)} ms  ${Math.round((RECORDS / ms) * 1000)
        .toLocaleString('en-US')
        .padStart(12)} records/s`,
    );
  }
  console.log(`  phases at cut-offs 1.5/3.5: ${phaseCounts.join(' / ')}`);
  console.log(
    `  1-minute load average: ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (${cpus().length} cores)`,
  );
  console.log(`  target: whole file under 1500 ms → ${medians.total < 1500 ? 'met' : 'NOT met'}`);

  const result = {
    benchmark: 'data-pipeline',
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    // 1-minute load average before and after the runs: other work on the machine slows every stage
    loadAverage: { before: loadBefore, after: loadavg()[0]! },
    file: { records: RECORDS, bytes: bytes.length, seed: SEED },
    runs: RUNS,
    medianMs: medians,
    recordsPerSecond: Object.fromEntries(
      Object.entries(medians).map(([k, ms]) => [k, Math.round((RECORDS / ms) * 1000)]),
    ),
    allRunsMs: times,
    phaseCounts,
    targetTotalMs: 1500,
    targetMet: medians.total < 1500,
  };
  writeFileSync(join(outDir, 'data.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${join(outDir, 'data.json')}`);
}

await main();
