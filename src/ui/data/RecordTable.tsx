import { Fragment, useDeferredValue, useMemo, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import { phaseColor } from '../phases/phaseColors';
import styles from './RecordTable.module.css';

const PAGE = 25;

/** Everything a search should see of a record: its id, every turn of its conversation, its input. */
function searchText(r: InstructionRecord): string {
  const turns = (r.history ?? []).flatMap((x) => [x.user, x.assistant]);
  return [r.id, ...turns, r.instruction, r.input, r.output].join('\n').toLowerCase();
}

export interface RecordRowExtras {
  score: (index: number) => number | undefined;
  phase: (id: string) => number | 'held-out' | undefined;
}

/** Paged, searchable preview of the records, with each one's score and phase; `onView` opens one as the model sees it. */
export function RecordTable({
  records,
  extras,
  onView,
  viewing,
}: {
  records: readonly InstructionRecord[];
  extras: RecordRowExtras;
  onView?: (index: number) => void;
  /** The record shown as the model sees it, marked in its row. */
  viewing?: number;
}) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const deferredQuery = useDeferredValue(query.trim().toLowerCase());
  const toggle = (id: string) =>
    setOpened((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const matches = useMemo(() => {
    const all = records.map((_, index) => index);
    if (!deferredQuery) return all;
    return all.filter((index) => searchText(records[index]!).includes(deferredQuery));
  }, [records, deferredQuery]);
  const columns = onView ? 7 : 6;

  const pages = Math.max(1, Math.ceil(matches.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = matches.slice(current * PAGE, current * PAGE + PAGE);

  return (
    <div data-testid="record-table">
      <div className={`row ${styles.toolbar}`}>
        <input
          type="search"
          placeholder="Search instructions, inputs, outputs, every turn, ids…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPage(0);
          }}
          className={styles.search}
          aria-label="Search records"
        />
        <span className="muted small">
          {matches.length.toLocaleString()} of {records.length.toLocaleString()} records
        </span>
      </div>
      <table className="data small">
        <thead>
          <tr>
            <th>id</th>
            <th className="num">score</th>
            <th>phase</th>
            <th className={styles.instructionColumn}>instruction</th>
            <th className={styles.inputColumn}>input</th>
            <th className={styles.outputColumn}>output</th>
            {onView && (
              <th>
                <span className={styles.srOnly}>view</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {shown.map((index) => {
            const r = records[index]!;
            const score = extras.score(index);
            const phase = extras.phase(r.id);
            const earlier = r.history?.length ?? 0;
            const open = earlier > 0 && opened.has(r.id);
            return (
              <Fragment key={r.id}>
                <tr aria-current={viewing === index ? 'true' : undefined}>
                  <td className="mono">{r.id}</td>
                  <td className="num">{score === undefined || Number.isNaN(score) ? '—' : score.toFixed(2)}</td>
                  <td>
                    {typeof phase === 'number' ? (
                      <>
                        <span className="phase-dot" style={{ background: phaseColor(phase) }} />
                        {phase + 1}
                      </>
                    ) : phase === 'held-out' ? (
                      <span className="muted">held out</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    {earlier > 0 && (
                      <button
                        className={`btn link ${styles.turns}`}
                        aria-expanded={open}
                        data-testid="conversation-toggle"
                        onClick={() => toggle(r.id)}
                      >
                        {open ? 'hide the conversation' : `${earlier} earlier exchange${earlier === 1 ? '' : 's'}`}
                      </button>
                    )}
                    <span className="clip">{r.instruction}</span>
                  </td>
                  <td className="muted">
                    <span className="clip">{r.input}</span>
                  </td>
                  <td>
                    <span className="clip">{r.output}</span>
                  </td>
                  {onView && (
                    <td>
                      <button
                        className={`btn ${styles.view}`}
                        aria-label={`Show record ${r.id} as the model sees it`}
                        aria-pressed={viewing === index}
                        onClick={() => onView(index)}
                      >
                        Model&apos;s view
                      </button>
                    </td>
                  )}
                </tr>
                {open && (
                  <tr className={styles.conversationRow}>
                    <td colSpan={columns}>
                      <Conversation record={r} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      <div className="pager small">
        <button className="btn" disabled={current === 0} onClick={() => setPage(current - 1)}>
          ‹ Prev
        </button>
        <span>
          page {current + 1} / {pages}
        </span>
        <button className="btn" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next ›
        </button>
      </div>
    </div>
  );
}

/** A record's whole conversation, turn by turn: trained answers marked, answers kept as context said so. */
function Conversation({ record: r }: { record: InstructionRecord }) {
  const turns: { role: 'user' | 'assistant'; text: string; trained?: boolean }[] = [
    ...(r.history ?? []).flatMap((x) => [
      { role: 'user' as const, text: x.user },
      { role: 'assistant' as const, text: x.assistant, trained: x.trained !== false },
    ]),
    { role: 'user', text: r.input ? `${r.instruction}\n${r.input}` : r.instruction },
    { role: 'assistant', text: r.output, trained: true },
  ];
  return (
    <ol className={styles.conversation} data-testid="conversation-turns">
      {turns.map((t, i) => (
        <li
          key={i}
          className={t.role === 'assistant' ? (t.trained ? styles.trained : styles.context) : styles.user}
          data-role={t.role}
          data-trained={t.role === 'assistant' ? String(t.trained) : undefined}
        >
          <span className={styles.role}>
            {t.role}
            {t.role === 'assistant' && (t.trained ? ' · trained' : ' · context, not trained')}
          </span>
          <span className={styles.turnText}>{t.text}</span>
        </li>
      ))}
    </ol>
  );
}
