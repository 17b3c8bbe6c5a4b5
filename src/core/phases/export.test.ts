import { describe, expect, it } from 'vitest';
import { exportPhasePlan, hasHistory, planJsonFile, safeBaseName } from './export';
import { planByCutoffs } from './plan';
import { makeRecord } from './testing/records';

const records = [
  makeRecord('a', 'say hi', '', 'hi'),
  makeRecord('b', 'add', '1 + 2', '3'),
  makeRecord('c', 'explain "x"', '', 'long\nanswer'),
  makeRecord('d', 'q', '', 'r'),
  makeRecord('e', 'u', '', 'v'),
];
const scores = [1, 2, Number.NaN, 4, 4.5];

describe('export', () => {
  const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.5 } });
  const files = exportPhasePlan(plan, records, scores, { baseName: 'my data.json' });

  it('writes one JSONL per phase, the held-out set and the plan, with safe names', () => {
    expect(files.map((f) => f.fileName)).toEqual([
      'my-data.phase-1.jsonl',
      'my-data.phase-2.jsonl',
      'my-data.phase-3.jsonl',
      'my-data.held-out.jsonl',
      'my-data.phase-plan.json',
    ]);
  });

  it('writes Alpaca fields plus score, phase and id, one record per line', () => {
    expect(files[0]!.text).toBe('{"instruction":"say hi","input":"","output":"hi","score":1,"phase":1,"id":"a"}\n');
    expect(files[1]!.text).toBe('{"instruction":"add","input":"1 + 2","output":"3","score":2,"phase":2,"id":"b"}\n');
    // phase 3 has d and e; one of them is held out (fraction 0.5 of 2 → 1)
    const p3 = files[2]!.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; phase: number });
    const held = files[3]!.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; phase: number });
    expect(p3).toHaveLength(1);
    expect(held).toHaveLength(1);
    expect([p3[0]!.id, held[0]!.id].sort()).toEqual(['d', 'e']);
    expect(held[0]!.phase).toBe(3);
    // the unscored record c is in no file
    expect(files.slice(0, 4).some((f) => f.text.includes('"id":"c"'))).toBe(false);
  });

  it('writes the plan as versioned JSON, empty means as null', () => {
    const parsed = JSON.parse(files[4]!.text) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      kind: 'phased-ift-studio/phase-plan',
      version: 1,
      scorerId: 'field',
      cutoffs: [1.5, 3.5],
      unscored: ['c'],
    });
    const empty = planByCutoffs([makeRecord('z')], [1], [2, 3], { scorerId: 'field' });
    const json = JSON.parse(planJsonFile(empty).text) as { phases: { stats: { meanScore: number | null } }[] };
    expect(json.phases[1]!.stats.meanScore).toBeNull();
  });

  it('makes file names safe', () => {
    expect(safeBaseName('../../etc/passwd')).toBe('etc-passwd');
    expect(safeBaseName('alpaca_data.json')).toBe('alpaca_data');
    expect(safeBaseName('???')).toBe('dataset');
  });

  it('refuses a plan that names records the dataset does not have', () => {
    expect(() => exportPhasePlan(plan, records.slice(0, 2), scores.slice(0, 2))).toThrow(/not in this dataset/);
  });
});

describe('export of conversations', () => {
  it("writes a conversation's earlier exchanges as LLaMA-Factory's Alpaca history, [[user, assistant], …]", () => {
    const conv = {
      ...makeRecord('c', 'q3', '', 'a3'),
      history: [
        { user: 'q1', assistant: 'a1' },
        { user: 'q2', assistant: 'a2', trained: false as const },
      ],
    };
    const recs = [conv, makeRecord('s', 'say hi', '', 'hi')];
    const plan = planByCutoffs(recs, [1, 4], [2], { scorerId: 'field', heldOut: { fraction: 0 } });
    const [p1, p2] = exportPhasePlan(plan, recs, [1, 4]);
    expect(p1!.text).toBe(
      '{"instruction":"q3","input":"","output":"a3","history":[["q1","a1"],["q2","a2"]],"score":1,"phase":1,"id":"c"}\n',
    );
    expect(p2!.text).toBe('{"instruction":"say hi","input":"","output":"hi","score":4,"phase":2,"id":"s"}\n');
    expect([hasHistory(p1!), hasHistory(p2!)]).toEqual([true, false]);
  });
});
