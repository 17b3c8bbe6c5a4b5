/**
 * What the user takes away from the phases screen: one JSONL file per phase (Alpaca fields plus score, phase and
 * id — what the paper's uptraining feeds to each stage), the held-out records, and the plan itself as JSON so the
 * split can be reproduced. A conversation's earlier exchanges go in LLaMA-Factory's Alpaca `history` field,
 * `[[user, assistant], …]`; records of one exchange are written without it, exactly as before. Pure functions: the UI turns them into downloads, the CLI into files.
 */
import type { InstructionRecord } from '../data/record';
import type { PhasePlan } from './plan';

export interface ExportFile {
  fileName: string;
  text: string;
}

export interface ExportOptions {
  /** Prefix of every file name, e.g. the dataset's name; made file-name safe. Default "dataset". */
  baseName?: string;
}

/** A file-name-safe stem: letters, digits, dot, dash and underscore; everything else becomes "-". */
export function safeBaseName(name: string): string {
  const stem = name.replace(/\.(jsonl?|csv|tsv|parquet)$/i, '');
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return safe.length > 0 ? safe.slice(0, 80) : 'dataset';
}

function line(record: InstructionRecord, score: number, phase: number): string {
  const history =
    record.history !== undefined && record.history.length > 0
      ? { history: record.history.map((x) => [x.user, x.assistant]) }
      : {};
  return JSON.stringify({
    instruction: record.instruction,
    input: record.input,
    output: record.output,
    ...history,
    score,
    phase,
    id: record.id,
  });
}

/**
 * Whether an exported JSONL file holds a conversation (a line with `history`), so its dataset entry must name that
 * column. (Alpaca's `history` has no per-turn weight: LLaMA-Factory trains every answer in it, including one the
 * studio keeps as context because of a `loss_weight` of 0; docs/FORMATS.md says so.)
 */
export function hasHistory(file: ExportFile): boolean {
  return file.text.split('\n').some((l) => l !== '' && Array.isArray((JSON.parse(l) as { history?: unknown }).history));
}

function indexById(records: readonly InstructionRecord[]): Map<string, number> {
  const byId = new Map<string, number>();
  records.forEach((r, i) => byId.set(r.id, i));
  return byId;
}

function jsonl(
  ids: readonly string[],
  phase: number,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  byId: Map<string, number>,
): string {
  let text = '';
  for (const id of ids) {
    const i = byId.get(id);
    if (i === undefined) throw new Error(`The plan names record "${id}", which is not in this dataset.`);
    text += `${line(records[i]!, scores[i]!, phase)}\n`;
  }
  return text;
}

/**
 * `<base>.phase-<n>.jsonl` with the training records of each phase, plus `<base>.held-out.jsonl`. A phase (or a
 * held-out set) with no record gets no file rather than an empty one; the plan JSON still lists it, and
 * `planWarnings` says so on screen.
 */
export function phaseJsonlFiles(
  plan: PhasePlan,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  options: ExportOptions = {},
): ExportFile[] {
  const base = safeBaseName(options.baseName ?? 'dataset');
  const byId = indexById(records);
  const files = plan.phases
    .filter((ph) => ph.recordIds.length > 0)
    .map((ph) => ({
      fileName: `${base}.phase-${ph.index}.jsonl`,
      text: jsonl(ph.recordIds, ph.index, records, scores, byId),
    }));
  if (plan.heldOut.recordIds.length > 0) {
    files.push({
      fileName: `${base}.held-out.jsonl`,
      text: plan.phases.map((ph) => jsonl(ph.heldOutIds, ph.index, records, scores, byId)).join(''),
    });
  }
  return files;
}

/** `<base>.phase-plan.json`: the whole plan (cut-offs, ids per phase, held-out split, stats), versioned. */
export function planJsonFile(plan: PhasePlan, options: ExportOptions = {}): ExportFile {
  const base = safeBaseName(options.baseName ?? 'dataset');
  // NaN (an empty phase's mean) is not JSON; write null rather than let JSON.stringify do it silently.
  const text = JSON.stringify(
    { kind: 'phased-ift-studio/phase-plan', version: 1, ...plan },
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
  return { fileName: `${base}.phase-plan.json`, text: `${text}\n` };
}

/** Every file of an export: the phases, the held-out set and the plan. */
export function exportPhasePlan(
  plan: PhasePlan,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  options: ExportOptions = {},
): ExportFile[] {
  return [...phaseJsonlFiles(plan, records, scores, options), planJsonFile(plan, options)];
}
