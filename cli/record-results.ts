/**
 * Turns the JSON of `npm run experiment` into the small recorded-results file the studio ships, so a newcomer can
 * open a measured comparison in Compare at once (src/core/runs/recordedResults.ts reads it).
 *
 *   npm run record:results -- bench-results/experiment.json            # writes public/demo/recorded-results.json
 *   npm run record:results -- IN.json --out FILE --machine "what ran it"
 *
 * Keeps per run: the arm and seed, the loss curve on tokens seen, held-out loss per bucket, exact match per level
 * (held-out split and length-OOD file), the answers to the fixed prompts after each phase. Labels the file with the
 * machine, the date, the exact command, the seeds and the commit it was measured at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  parseRecordedResults,
  RECORDED_RESULTS_FORMAT,
  RECORDED_RESULTS_VERSION,
  type RecordedResults,
} from '../src/core/runs/recordedResults';
import { armSlug } from '../src/core/runs/runFile';
import type { ExperimentResult, RunResult } from './experiment';

export const DEFAULT_OUT = 'public/demo/recorded-results.json';

/**
 * Tokens seen at each logged step. Experiments recorded before the curve logged them have only the tokens at each
 * phase end (the sample snapshots): in between, tokens are interpolated linearly in the step, which the file says.
 */
function curveWithTokens(run: RunResult): {
  curve: { step: number; tokens: number; loss: number }[];
  interpolated: boolean;
} {
  if (run.lossCurve.every((p) => p.tokens !== undefined))
    return {
      curve: run.lossCurve.map((p) => ({ step: p.step, tokens: p.tokens!, loss: p.loss })),
      interpolated: false,
    };
  const anchors = [
    { step: 0, tokens: 0 },
    ...run.samples.map((s) => ({ step: s.step, tokens: s.tokensSeen })),
    { step: run.steps, tokens: run.tokensSeen },
  ];
  const tokensAt = (step: number) => {
    const i = anchors.findIndex((a) => a.step >= step);
    if (i <= 0) return anchors[Math.max(0, i)]!.tokens;
    const a = anchors[i - 1]!;
    const b = anchors[i]!;
    return Math.round(a.tokens + ((b.tokens - a.tokens) * (step - a.step)) / Math.max(1, b.step - a.step));
  };
  return {
    curve: run.lossCurve.map((p) => ({ step: p.step, tokens: p.tokens ?? tokensAt(p.step), loss: p.loss })),
    interpolated: true,
  };
}

/** Times on a shared machine say little without its load. */
function loadNote(m: ExperimentResult['machine']): string {
  const [start, end] = [m.loadAverageAtStart?.[0], m.loadAverageAtEnd?.[0]];
  return start !== undefined && end !== undefined
    ? `, load average ${start.toFixed(1)} at the start and ${end.toFixed(1)} at the end`
    : '';
}

export function recordResults(
  experiment: ExperimentResult,
  label: { commit: string; machine?: string },
): RecordedResults {
  const m = experiment.machine;
  const curves = experiment.runs.map(curveWithTokens);
  const file = {
    format: RECORDED_RESULTS_FORMAT,
    version: RECORDED_RESULTS_VERSION,
    recorded: {
      machine:
        label.machine ??
        `${m.cpus} × ${m.cpu}, Node ${m.node}, tfjs ${m.backend} backend (in Node, not a browser)${loadNote(m)}`,
      date: experiment.startedAt,
      command: experiment.command,
      seeds: [...new Set(experiment.runs.map((r) => r.seed))].sort((a, b) => a - b),
      commit: label.commit,
      ...(curves.some((c) => c.interpolated)
        ? {
            note: 'Tokens seen on the loss curves are interpolated between phase ends (this experiment logged them only there).',
          }
        : {}),
    },
    setup: {
      dataset: experiment.options.suitePath.split('/').pop() ?? experiment.options.suitePath,
      // The repository path (the experiment stored an absolute one).
      baseModel: experiment.base.path.includes('public/')
        ? experiment.base.path.slice(experiment.base.path.lastIndexOf('public/'))
        : experiment.base.path,
      hyper: experiment.options.hyper,
      trainFraction: experiment.data.trainFraction,
      contextLength: experiment.data.contextLength,
      cutoffs: experiment.options.cutoffs,
      heldOutFraction: experiment.options.heldOut.fraction,
      heldOutSeed: experiment.options.heldOut.seed,
      trainRecords: experiment.data.phases.reduce((n, p) => n + p.train, 0),
      heldOutRecords: experiment.data.phases.reduce((n, p) => n + p.heldOut, 0),
    },
    runs: experiment.runs.map((r, i) => ({
      arm: experiment.options.arms.find((a) => armSlug(a) === r.arm) ?? { kind: r.arm },
      seed: r.seed,
      steps: r.steps,
      tokensSeen: r.tokensSeen,
      wallMs: Math.round(r.wallMs),
      lossCurve: curves[i]!.curve,
      heldOutLoss: { overall: r.heldOutLoss.overall, buckets: r.heldOutLoss.buckets },
      exactMatch: r.exactMatch,
      ood: r.ood,
      samples: r.samples,
    })),
  };
  // Through JSON (NaN → null) and back through the studio's own check: what is written is what the studio reads.
  return parseRecordedResults(JSON.stringify(file), 'the recorded results');
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function main(argv: string[] = process.argv.slice(2)): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, machine: { type: 'string' }, commit: { type: 'string' } },
  });
  const input = positionals[0];
  if (!input)
    throw new Error('usage: npm run record:results -- EXPERIMENT.json [--out FILE] [--machine TEXT] [--commit REV]');
  const experiment = JSON.parse(readFileSync(resolve(input), 'utf8')) as ExperimentResult;
  const recorded = recordResults(experiment, { commit: values.commit ?? gitCommit(), machine: values.machine });
  const out = resolve(values.out ?? DEFAULT_OUT);
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(recorded);
  writeFileSync(out, `${text}\n`);
  console.log(
    `wrote ${out}: ${recorded.runs.length} runs, seeds ${recorded.recorded.seeds.join(', ')}, ${(text.length / 1024).toFixed(1)} KiB`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
