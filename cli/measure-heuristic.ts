/**
 * How well does the heuristic difficulty agree with difficulty we know? Prints the tables quoted in
 * docs/DIFFICULTY.md.
 *
 *   npx tsx cli/measure-heuristic.ts
 *       the demo suite (3 000 records, 5 objective levels): Spearman ρ, per-level means, per-task means, and ρ of
 *       each signal alone (how much of the agreement is just length)
 *   npx tsx cli/measure-heuristic.ts --scored FILE
 *       any file with its own scores (e.g. a PhasedSFT GPT-4-scored JSONL): ρ(heuristic, file score)
 *   npx tsx cli/measure-heuristic.ts --hard FILE --mixed FILE [--hard-share 0.131]
 *       a sample known to be hard (e.g. records from PhasedSFT's stage 3) against a sample of the whole dataset:
 *       AUC = P(heuristic ranks a hard record above a random one), and the AUC against the non-hard records
 *       implied by the hard share of the whole (Alpaca: 6.8K of 52K = 0.131). Both samples are scored as one
 *       prompt (instruction + newline + input), the way PhasedSFT files store them, so neither side gets the
 *       "has an input" signal for free.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { InstructionRecord } from '../src/core/data/record';
import { parseDataset } from '../src/core/data/parseDataset';
import { DEFAULT_DEMO_SEED, demoToRecords, generateDemoSuite } from '../src/core/demo/suite';
import { HEURISTIC_FORMULA, heuristicScore, heuristicSignals } from '../src/core/difficulty/heuristicScorer';
import { spearman } from '../src/core/difficulty/spearman';
import { createRng } from '../src/core/util/random';

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);

function demoReport(): void {
  const items = generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 600 });
  const records = demoToRecords(items);
  const levels = items.map((it) => it.level);
  const scores = records.map((r) => heuristicScore(r));
  const signals = records.map((r) => heuristicSignals(r));
  console.log(`## Demo suite (seed ${DEFAULT_DEMO_SEED}, ${items.length} records = public/demo/demo-suite.json)\n`);
  console.log(`Spearman ρ(heuristic, level) = **${f3(spearman(scores, levels))}**\n`);

  const ids = HEURISTIC_FORMULA.terms.map((t) => t.id);
  console.log(`| level | n | mean | sd | min | max | ${ids.join(' | ')} |`);
  console.log(`|---|---|---|---|---|---|${ids.map(() => '---').join('|')}|`);
  for (const l of [1, 2, 3, 4, 5]) {
    const idx = items.flatMap((it, i) => (it.level === l ? [i] : []));
    const s = idx.map((i) => scores[i]!);
    const sig = ids.map((id) => f2(mean(idx.map((i) => signals[i]![id]))));
    console.log(
      `| ${l} | ${s.length} | ${f2(mean(s))} | ${f2(sd(s))} | ${f2(Math.min(...s))} | ${f2(Math.max(...s))} | ${sig.join(' | ')} |`,
    );
  }

  console.log('\nPer task (chains grouped by length):\n');
  console.log('| level | task | n | mean |');
  console.log('|---|---|---|---|');
  const byTask = new Map<string, number[]>();
  items.forEach((it, i) => {
    const key = `${it.level} | ${it.task.includes('>') ? `${it.ops}-step chain` : it.task}`;
    byTask.set(key, [...(byTask.get(key) ?? []), scores[i]!]);
  });
  for (const [k, v] of [...byTask].sort()) console.log(`| ${k} | ${v.length} | ${f2(mean(v))} |`);

  console.log('\nEach signal alone, and length alone (ρ with level):\n');
  console.log('| signal | ρ |');
  console.log('|---|---|');
  for (const id of ids)
    console.log(
      `| ${id} | ${f3(
        spearman(
          signals.map((s) => s[id]),
          levels,
        ),
      )} |`,
    );
  const lengthOnly = signals.map((s) => s.responseLength + s.promptLength);
  console.log(`| responseLength + promptLength | ${f3(spearman(lengthOnly, levels))} |`);
  console.log(`| full heuristic | ${f3(spearman(scores, levels))} |`);

  // Nearby weightings, to show the agreement does not hinge on the exact weights (and that they were not fitted).
  console.log('\nOther weightings (responseLength, promptLength, hasInput, multiStep, constraints, structure):\n');
  console.log('| weights | ρ |');
  console.log('|---|---|');
  for (const w of WEIGHT_VARIANTS) {
    const v = signals.map((s) => ids.reduce((acc, id, i) => acc + w[i]! * s[id], 0));
    console.log(`| ${w.join(', ')} | ${f3(spearman(v, levels))} |`);
  }
}

const WEIGHT_VARIANTS: readonly (readonly number[])[] = [
  HEURISTIC_FORMULA.terms.map((t) => t.weight),
  [0.25, 0.2, 0.05, 0.3, 0.1, 0.1],
  [0.3, 0.2, 0.05, 0.25, 0.1, 0.1],
  [0.25, 0.25, 0.05, 0.3, 0.05, 0.1],
  [0.2, 0.2, 0, 0.4, 0.1, 0.1],
];

/** Both samples as PhasedSFT stores them: one prompt, no separate input. */
function asOnePrompt(r: InstructionRecord): InstructionRecord {
  return r.input.length > 0 ? { ...r, instruction: `${r.instruction}\n${r.input}`, input: '' } : r;
}

async function load(path: string): Promise<InstructionRecord[]> {
  const parsed = await parseDataset(new Uint8Array(readFileSync(path)), basename(path));
  if (parsed.report.rejected.length > 0) console.log(`(${path}: ${parsed.report.rejected.length} rows rejected)`);
  return parsed.records;
}

/** P(a > b) + ½ P(a = b) over all pairs. */
function auc(a: readonly number[], b: readonly number[]): number {
  let wins = 0;
  for (const x of a) for (const y of b) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return wins / (a.length * b.length);
}

async function contrastReport(hardPath: string, mixedPath: string, hardShare: number): Promise<void> {
  const hard = (await load(hardPath)).map(asOnePrompt);
  const mixed = (await load(mixedPath)).map(asOnePrompt);
  const h = hard.map((r) => heuristicScore(r));
  const m = mixed.map((r) => heuristicScore(r));
  const a = auc(h, m);
  // mixed = s·hard + (1−s)·rest  ⇒  AUC(hard, mixed) = s·½ + (1−s)·AUC(hard, rest)
  const vsRest = (a - hardShare * 0.5) / (1 - hardShare);
  const rng = createRng(7);
  const boot: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const hb = h.map(() => h[rng.int(h.length)]!);
    const mb = m.map(() => m[rng.int(m.length)]!);
    boot.push(auc(hb, mb));
  }
  boot.sort((x, y) => x - y);
  const lo = boot[Math.floor(0.025 * boot.length)]!;
  const hi = boot[Math.floor(0.975 * boot.length)]!;
  const lengthAuc = auc(
    hard.map((r) => r.output.length),
    mixed.map((r) => r.output.length),
  );
  console.log(`\n## Hard sample vs whole-dataset sample\n`);
  console.log(`hard: ${hardPath} (${hard.length} records), mixed: ${mixedPath} (${mixed.length} records)\n`);
  console.log('| | hard | mixed |');
  console.log('|---|---|---|');
  console.log(`| mean heuristic | ${f2(mean(h))} | ${f2(mean(m))} |`);
  console.log(
    `| mean response chars | ${Math.round(mean(hard.map((r) => r.output.length)))} | ${Math.round(mean(mixed.map((r) => r.output.length)))} |`,
  );
  console.log(
    `| mean prompt chars | ${Math.round(mean(hard.map((r) => r.instruction.length)))} | ${Math.round(mean(mixed.map((r) => r.instruction.length)))} |`,
  );
  console.log(`\nAUC(hard > mixed) = **${f3(a)}** (bootstrap 95% interval ${f3(lo)}–${f3(hi)})`);
  console.log(`implied AUC(hard > not hard), hard share ${hardShare}: **${f3(vsRest)}**`);
  console.log(`for comparison, response length alone: AUC = ${f3(lengthAuc)}`);
  const fieldScores = hard.map((r) => r.score ?? Number.NaN);
  if (fieldScores.some((s) => !Number.isNaN(s))) {
    console.log(
      `within the hard sample, ρ(heuristic, file score) = ${f3(spearman(h, fieldScores))} (range-restricted)`,
    );
  }
}

async function scoredReport(path: string): Promise<void> {
  const records = await load(path);
  const h = records.map((r) => heuristicScore(r));
  const s = records.map((r) => r.score ?? Number.NaN);
  console.log(`\n## ${path}: ${records.length} records, ρ(heuristic, file score) = ${f3(spearman(h, s))}`);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

demoReport();
const scored = arg('--scored');
if (scored !== undefined) await scoredReport(scored);
const hardPath = arg('--hard');
const mixedPath = arg('--mixed');
if (hardPath !== undefined && mixedPath !== undefined) {
  await contrastReport(hardPath, mixedPath, Number(arg('--hard-share') ?? 0.131));
}
