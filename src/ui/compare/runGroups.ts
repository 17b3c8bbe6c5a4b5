import { configDiff } from '../../core/compare/configDiff';
import { armLabel } from '../../core/train/arms';
import type { Run } from '../../core/runs/run';

const PALETTE = [
  '#2f6fdf',
  '#8892a0',
  '#d64545',
  '#34a874',
  '#8e5bd6',
  '#e0a526',
  '#1aa3a3',
  '#c2569b',
  '#6b8e23',
  '#b5651d',
];

/** A colour that belongs to a key for good: the same run or arm keeps its colour across reloads and selections. */
export function stableColor(key: string): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** The arm's fixed colour: one-off grey and easy → hard blue everywhere, as on the paper's charts. */
export function armColor(run: Run): string {
  if (run.settings.arm.kind === 'one-off') return '#6f7b8a';
  if (run.settings.arm.kind === 'easy-to-hard') return '#2f6fdf';
  if (run.settings.arm.kind === 'hard-to-easy') return '#d64545';
  if (run.settings.arm.kind === 'random-stages') return '#e0a526';
  return stableColor(armLabel(run.settings.arm));
}

export interface RunGroup {
  key: string;
  label: string;
  color: string;
  runs: Run[];
}

/** The identity of a run without its seed: runs that differ only in seed are seeds of one arm. */
function groupKey(run: Run): string {
  const { seed: _seed, ...rest } = run.settings;
  return JSON.stringify({ rest, data: run.dataKey });
}

/** Groups runs into arms (seeds together), labelled by what separates the groups. */
export function groupRuns(runs: readonly Run[]): RunGroup[] {
  const byKey = new Map<string, Run[]>();
  for (const run of runs) {
    const key = groupKey(run);
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const groups = [...byKey.entries()].map(([key, members]) => ({
    key,
    runs: members.sort((a, b) => a.settings.seed - b.settings.seed),
  }));
  // Name each group by its arm, plus whatever else differs between groups (LR, epochs, …).
  const diffs = configDiff(groups.map((g) => ({ ...g.runs[0]!.settings, seed: undefined, arm: undefined })));
  return groups.map((g, i) => {
    const extra = diffs.map((d) => `${d.path.replace(/^hyper\./, '')} ${d.values[i]}`).join(', ');
    const first = g.runs[0]!;
    const sameArm = groups.filter((o) => armLabel(o.runs[0]!.settings.arm) === armLabel(first.settings.arm)).length > 1;
    return {
      key: g.key,
      label: `${armLabel(first.settings.arm)}${extra && sameArm ? ` (${extra})` : ''}`,
      color: sameArm ? stableColor(g.key) : armColor(first),
      runs: g.runs,
    };
  });
}
