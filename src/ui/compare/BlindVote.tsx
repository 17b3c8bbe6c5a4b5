import { useMemo, useState } from 'react';
import { aIsLeft, winRate, type Vote } from '../../core/compare/winRate';
import type { SampleGeneration } from '../../core/eval/samples';
import type { Run } from '../../core/runs/run';
import styles from './BlindVote.module.css';

const STORAGE_PREFIX = 'phased-ift-studio/votes/';
const LAYOUT_SEED = 11;

function loadVotes(key: string): Record<string, Vote> {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_PREFIX + key) ?? '{}') as Record<string, Vote>;
  } catch {
    return {};
  }
}

function finalSamples(run: Run): Map<string, SampleGeneration> {
  const last = run.samples?.at(-1);
  return new Map((last?.samples ?? []).map((s) => [s.id, s]));
}

/**
 * Two runs' answers to the same held-out prompts, side by side with the sides shuffled, and a vote per prompt.
 * The win rate is the paper's: (wins + ties/2) / N − 0.5, with a 95% interval over prompts.
 */
export function BlindVote({ runs }: { runs: Run[] }) {
  const withSamples = runs.filter((r) => (r.samples?.length ?? 0) > 0);
  const [aId, setAId] = useState(withSamples.find((r) => r.settings.arm.kind !== 'one-off')?.id ?? withSamples[0]?.id);
  const [bId, setBId] = useState(withSamples.find((r) => r.settings.arm.kind === 'one-off')?.id ?? withSamples[1]?.id);
  const a = withSamples.find((r) => r.id === aId);
  const b = withSamples.find((r) => r.id === bId);
  const pairKey = a && b ? `${a.id}|${b.id}` : '';
  const [votes, setVotes] = useState<Record<string, Record<string, Vote>>>({});
  const current = useMemo(() => votes[pairKey] ?? (pairKey ? loadVotes(pairKey) : {}), [votes, pairKey]);
  const [reveal, setReveal] = useState(false);

  if (withSamples.length < 2) return null;
  const sa = a ? finalSamples(a) : new Map<string, SampleGeneration>();
  const sb = b ? finalSamples(b) : new Map<string, SampleGeneration>();
  const prompts = [...sa.keys()].filter((id) => sb.has(id));
  const cast = (id: string, vote: Vote) => {
    const next = { ...current, [id]: vote };
    setVotes({ ...votes, [pairKey]: next });
    try {
      localStorage.setItem(STORAGE_PREFIX + pairKey, JSON.stringify(next));
    } catch {
      // Votes still count for this visit; only their survival across reloads is lost.
    }
  };
  const cast1 = prompts.filter((id) => current[id]).map((id) => current[id]!);
  const result = winRate(cast1);

  return (
    <section className="panel" aria-label="Blind comparison" data-testid="blind-vote">
      <div className="panel-head">
        <h2>Blind A/B</h2>
        <span className="muted small">
          Which answer is better? Sides are shuffled per prompt; the runs are revealed only when you ask.
        </span>
      </div>
      <div className="row small">
        <RunPicker side="A" runs={withSamples} value={aId} onChange={setAId} />
        <RunPicker side="B" runs={withSamples} value={bId} onChange={setBId} />
        <label className="field">
          <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.target.checked)} /> reveal which side is
          which
        </label>
      </div>
      {a && b && a.id === b.id && <p className={`small ${styles.samePick}`}>Pick two different runs.</p>}
      {a && b && a.id !== b.id && (
        <>
          <table className={`data small ${styles.prompts}`}>
            <thead>
              <tr>
                <th className={styles.promptColumn}>prompt</th>
                <th>left</th>
                <th>right</th>
                <th>vote</th>
              </tr>
            </thead>
            <tbody>
              {prompts.map((id) => {
                const left = aIsLeft(id, LAYOUT_SEED);
                const [l, r] = left ? [sa.get(id)!, sb.get(id)!] : [sb.get(id)!, sa.get(id)!];
                const vote = current[id];
                const leftVote: Vote = left ? 'A' : 'B';
                const rightVote: Vote = left ? 'B' : 'A';
                return (
                  <tr key={id} data-testid="vote-row">
                    <td>
                      <span className="clip">
                        {l.instruction}
                        {l.input ? `\n${l.input}` : ''}
                      </span>
                      <div className="muted mono">expected: {l.expected}</div>
                    </td>
                    <td className="mono">
                      {l.generated || <span className="muted">(empty)</span>}
                      {reveal && <div className="muted">{left ? 'A' : 'B'}</div>}
                    </td>
                    <td className="mono">
                      {r.generated || <span className="muted">(empty)</span>}
                      {reveal && <div className="muted">{left ? 'B' : 'A'}</div>}
                    </td>
                    <td className={styles.vote}>
                      <div className="segmented" role="group" aria-label={`Vote on prompt ${id}`}>
                        <button aria-pressed={vote === leftVote} onClick={() => cast(id, leftVote)}>
                          Left
                        </button>
                        <button aria-pressed={vote === 'tie'} onClick={() => cast(id, 'tie')}>
                          Tie
                        </button>
                        <button aria-pressed={vote === rightVote} onClick={() => cast(id, rightVote)}>
                          Right
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="small" data-testid="win-rate">
            {result.n === 0 ? (
              'No votes yet.'
            ) : (
              <>
                Win rate of A ({a.label}) over B ({b.label}): <strong>{(result.winRate * 100).toFixed(1)}</strong>
                {Number.isFinite(result.interval.halfWidth) &&
                  ` ± ${(result.interval.halfWidth * 100).toFixed(1)}`}{' '}
                (×100, the paper’s scale; 0 = parity) from {result.n} vote{result.n === 1 ? '' : 's'}: {result.wins} A,{' '}
                {result.ties} ties, {result.losses} B.
              </>
            )}
          </p>
        </>
      )}
    </section>
  );
}

function RunPicker(props: {
  side: 'A' | 'B';
  runs: readonly Run[];
  value: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <label className="field">
      {props.side}
      <select aria-label={`Run ${props.side}`} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.label} · {r.id}
          </option>
        ))}
      </select>
    </label>
  );
}
