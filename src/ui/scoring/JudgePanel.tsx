import { useEffect, useMemo, useState } from 'react';
import { insecureKeyWarning } from '../../core/difficulty/judge/client';
import {
  DEFAULT_JUDGE_PROMPT,
  estimateJudgeRun,
  judgeDestination,
  judgeSettingsProblems,
  JUDGE_SCORER_DESCRIPTION,
  JUDGE_SCORER_ID,
  type JudgeEstimate,
} from '../../core/difficulty/judge';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { useScoringStore } from '../../state/scoringStore';
import { Banner } from '../common/Banner';
import {
  destinationSummary,
  estimateSummary,
  formatCount,
  formatDuration,
  formatTokens,
  formToSettings,
  loadJudgeForm,
  promptIsDefault,
  REMEMBER_KEY_WARNING,
  saveJudgeForm,
  type JudgeForm,
} from '../../state/judgeForm';
import styles from './JudgePanel.module.css';

const storage = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
};

/** The LLM judge: endpoint, key, prompt, the estimate and destination before anything is sent, then progress. */
export function JudgePanel() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const run = useScoringStore((s) => s.judge);
  const interrupted = useScoringStore((s) => s.interrupted);
  const startJudge = useScoringStore((s) => s.startJudge);
  const cancelJudge = useScoringStore((s) => s.cancelJudge);
  const dismissInterrupted = useScoringStore((s) => s.dismissInterrupted);
  const cachedJudgeReplies = useScoringStore((s) => s.cachedJudgeReplies);
  const cachedJudgeReplyCount = useScoringStore((s) => s.cachedJudgeReplyCount);
  const forgetJudgeReplies = useScoringStore((s) => s.forgetJudgeReplies);
  const phaseScorer = usePhasesStore((s) => s.settings?.scorerId);
  const updatePhases = usePhasesStore((s) => s.update);
  const [form, setForm] = useState<JudgeForm>(() => {
    const s = storage();
    return s
      ? loadJudgeForm(s)
      : loadJudgeForm({ getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
  });
  const [cached, setCached] = useState<{ key: string; flags: Uint8Array } | undefined>();
  const [cacheCount, setCacheCount] = useState<number | undefined>();
  const running = run.status === 'running';

  const change = (patch: Partial<JudgeForm>) => {
    const next = { ...form, ...patch };
    setForm(next);
    const s = storage();
    if (s) {
      try {
        saveJudgeForm(s, next);
      } catch {
        // storage full or off: the form still works for this page
      }
    }
  };

  const settings = useMemo(() => formToSettings(form), [form]);
  const problems = useMemo(() => judgeSettingsProblems(settings), [settings]);
  const records = dataset.records;
  // What is already answered under these settings: asked again after every run and whenever the set-up changes.
  const setupKey =
    problems.length === 0
      ? JSON.stringify([settings.baseUrl, settings.model, settings.prompt, records.length, dataset.loadedAt])
      : undefined;
  useEffect(() => {
    if (setupKey === undefined || running) return;
    let live = true;
    const timer = setTimeout(() => {
      cachedJudgeReplies(records, settings).then(
        (flags) => live && setCached({ key: setupKey, flags }),
        () => live && setCached(undefined),
      );
      cachedJudgeReplyCount().then(
        (n) => live && setCacheCount(n),
        () => undefined,
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [setupKey, running, run.status, records, settings, cachedJudgeReplies, cachedJudgeReplyCount]);

  const flags = cached && cached.key === setupKey ? cached.flags : undefined;
  const estimate: JudgeEstimate | undefined = useMemo(() => {
    if (problems.length > 0) return undefined;
    try {
      return estimateJudgeRun(records, settings.prompt ?? DEFAULT_JUDGE_PROMPT, {
        concurrency: settings.concurrency ?? 4,
        cached: flags,
      });
    } catch {
      return undefined;
    }
  }, [problems, records, settings, flags]);

  const p = run.progress;
  const doneFraction = run.total > 0 && p ? p.done / run.total : 0;
  const hasJudgeScores = dataset.scoreSets.some((s) => s.scorerId === JUDGE_SCORER_ID);

  return (
    <section aria-label="LLM judge" data-testid="judge-panel" className={styles.panel}>
      <h3 className={styles.title}>LLM judge</h3>
      <p className={`small muted ${styles.about}`}>
        {JUDGE_SCORER_DESCRIPTION} Any OpenAI-compatible chat-completions endpoint: OpenAI, or a local llama.cpp, vLLM
        or Ollama server (it must allow this page&apos;s origin — CORS).
      </p>
      {interrupted && !running && (
        <Banner
          kind="warn"
          title="A judge run was interrupted (the page was reloaded or closed)."
          testId="judge-interrupted"
          onDismiss={dismissInterrupted}
        >
          <span className="small">
            {' '}
            It was scoring {formatCount(interrupted.total)} records of {interrupted.fileName}. Every reply received
            before that is cached: press Start with the same endpoint, model and prompt to resume — cached records are
            skipped and cost nothing.
          </span>
        </Banner>
      )}
      <div className={`row ${styles.fields}`}>
        <label className="field">
          Base URL
          <input
            type="text"
            aria-label="Judge base URL"
            className={styles.baseUrl}
            value={form.baseUrl}
            placeholder="https://api.openai.com/v1"
            disabled={running}
            onChange={(e) => change({ baseUrl: e.target.value })}
          />
        </label>
        <label className="field">
          Model
          <input
            type="text"
            aria-label="Judge model"
            value={form.model}
            placeholder="gpt-4o-mini"
            disabled={running}
            onChange={(e) => change({ model: e.target.value })}
          />
        </label>
        <label className="field">
          Concurrency
          <input
            type="number"
            aria-label="Judge concurrency"
            min={1}
            max={64}
            step={1}
            value={form.concurrency}
            disabled={running}
            onChange={(e) => e.target.value !== '' && change({ concurrency: Number(e.target.value) })}
          />
        </label>
      </div>
      <div className={`row ${styles.fields}`}>
        <label className="field">
          API key
          <input
            type="password"
            aria-label="Judge API key"
            autoComplete="off"
            value={form.apiKey}
            placeholder="none for a local server"
            disabled={running}
            onChange={(e) => change({ apiKey: e.target.value })}
          />
        </label>
        <label className="field small">
          <input
            type="checkbox"
            aria-label="Remember the key in this browser"
            checked={form.rememberKey}
            disabled={running}
            onChange={(e) => change({ rememberKey: e.target.checked })}
          />
          Remember the key in this browser
        </label>
        <span className="small muted">{form.rememberKey ? '' : 'Kept in memory only: gone after a reload.'}</span>
      </div>
      {form.rememberKey && (
        <p className={`small ${styles.warning}`} data-testid="judge-key-warning">
          ⚠ {REMEMBER_KEY_WARNING}
        </p>
      )}

      <details className={styles.prompt} data-testid="judge-prompt">
        <summary className="small">
          The prompt sent with each record {promptIsDefault(form.prompt) ? '(the studio’s default)' : '(edited)'} —
          shown in full, editable
        </summary>
        <label className={`small ${styles.message}`}>
          System message
          <textarea
            aria-label="Judge system message"
            rows={2}
            className={styles.systemMessage}
            value={form.prompt.system}
            disabled={running}
            onChange={(e) => change({ prompt: { ...form.prompt, system: e.target.value } })}
          />
        </label>
        <label className={`small ${styles.message}`}>
          User message — {'{instruction}'}, {'{input}'} and {'{output}'} are replaced by the record&apos;s fields
          <textarea
            aria-label="Judge user message"
            rows={14}
            className={styles.userMessage}
            value={form.prompt.user}
            disabled={running}
            onChange={(e) => change({ prompt: { ...form.prompt, user: e.target.value } })}
          />
        </label>
        <div className={`row small ${styles.limits}`}>
          <label className="field">
            Each field cut to
            <input
              type="number"
              aria-label="Judge field clip length"
              min={100}
              step={100}
              value={form.prompt.maxFieldChars}
              disabled={running}
              onChange={(e) =>
                e.target.value !== '' && change({ prompt: { ...form.prompt, maxFieldChars: Number(e.target.value) } })
              }
            />
            characters
          </label>
          <button
            className="btn"
            disabled={running || promptIsDefault(form.prompt)}
            onClick={() => change({ prompt: { ...DEFAULT_JUDGE_PROMPT } })}
          >
            Restore the default prompt
          </button>
          <span className="muted">
            The prompt, model and URL are part of the cache key: a changed prompt asks again.
          </span>
        </div>
      </details>

      {problems.length > 0 ? (
        <ul className={`small ${styles.warning}`} data-testid="judge-settings-problems">
          {problems.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : (
        <div className={`small ${styles.estimate}`}>
          {estimate && (
            <div data-testid="judge-estimate" data-requests={estimate.requests} data-cached={estimate.cached}>
              <strong>Estimate:</strong> {estimateSummary(estimate)}
              <details className="muted">
                <summary>Assumptions</summary>
                <ul>
                  {estimate.assumptions.map((a) => (
                    <li key={a}>{a}</li>
                  ))}
                </ul>
              </details>
            </div>
          )}
          <p data-testid="judge-destination" className={styles.destination}>
            <strong>
              {destinationSummary(records.length, estimate?.requests ?? records.length, settings.baseUrl)}
            </strong>{' '}
            {judgeDestination(settings)}{' '}
            {settings.apiKey
              ? 'The key goes only in the Authorization header of those requests.'
              : 'No API key is sent.'}
          </p>
          {insecureKeyWarning(settings.baseUrl, settings.apiKey) && (
            <Banner
              kind="warn"
              title={insecureKeyWarning(settings.baseUrl, settings.apiKey)!}
              testId="judge-insecure-key"
            />
          )}
        </div>
      )}

      <div className={`row ${styles.fields}`}>
        <button
          className="btn primary"
          disabled={running || problems.length > 0}
          onClick={() => void startJudge(settings)}
        >
          {estimate && estimate.requests === 0 ? 'Start (everything cached: nothing is sent)' : 'Start the judge'}
        </button>
        <button className="btn" disabled={!running} onClick={cancelJudge}>
          Cancel
        </button>
        {hasJudgeScores && phaseScorer !== JUDGE_SCORER_ID && !running && (
          <button className="btn" onClick={() => updatePhases({ scorerId: JUDGE_SCORER_ID })}>
            Use the judge&apos;s scores for the phases
          </button>
        )}
        {cacheCount !== undefined && cacheCount > 0 && !running && (
          <button
            className="btn link small"
            title="Every stored judge reply in this browser (all models, prompts and datasets)"
            onClick={() => {
              if (
                window.confirm(`Forget all ${cacheCount} stored judge replies? The next run asks (and pays) again.`)
              ) {
                void forgetJudgeReplies().then(
                  () => {
                    setCacheCount(0);
                    setCached(undefined);
                  },
                  (error: unknown) =>
                    window.alert(`The stored judge replies could not be forgotten: ${(error as Error).message}`),
                );
              }
            }}
          >
            Forget {formatCount(cacheCount)} cached repl{cacheCount === 1 ? 'y' : 'ies'}
          </button>
        )}
      </div>

      {run.status !== 'idle' && (
        <div
          className={styles.run}
          data-testid="judge-run"
          data-status={run.status}
          data-done={p?.done ?? 0}
          data-from-cache={p?.fromCache ?? 0}
          data-requested={p?.requested ?? 0}
        >
          {(running || p) && (
            <>
              <div
                className="progress"
                role="progressbar"
                aria-label="Judge progress"
                aria-valuenow={Math.round(doneFraction * 100)}
                aria-valuemin={0}
                aria-valuemax={100}
              >
                <div style={{ width: `${(doneFraction * 100).toFixed(1)}%` }} />
              </div>
              <p className={`small ${styles.progress}`} data-testid="judge-progress">
                {formatCount(p?.done ?? 0)} / {formatCount(run.total)} records — {formatCount(p?.fromCache ?? 0)} from
                the cache, {formatCount(p?.requested ?? 0)} new replies
                {p && p.unparseable > 0 && `, ${formatCount(p.unparseable)} unparseable`}
                {p && p.failed > 0 && `, ${formatCount(p.failed)} failed`}
                {p && p.retries > 0 && `, ${formatCount(p.retries)} retries`}
                {p && p.usage.totalTokens > 0 && `, ${formatTokens(p.usage.totalTokens)} tokens used`}
                {p && ` — ${formatDuration(p.elapsedMs / 1000)}`}
                {running && run.endpoint && <span className="muted"> — sending to {run.endpoint}</span>}
              </p>
            </>
          )}
          {run.message &&
            (run.status === 'failed' ? (
              <Banner kind="error" title={run.message} testId="judge-error" />
            ) : (
              <p className="small" data-testid="judge-message">
                {run.message}
              </p>
            ))}
          {run.problems.length > 0 && (
            <details className="small" open={!running} data-testid="judge-problems" data-count={run.problems.length}>
              <summary className={styles.warning}>
                {formatCount(run.problems.length)} record{run.problems.length === 1 ? '' : 's'} without a score (
                {run.problems.filter((x) => x.kind === 'unparseable').length} unparseable replies,{' '}
                {run.problems.filter((x) => x.kind === 'request-failed').length} failed requests) — listed, never
                guessed
              </summary>
              <ul>
                {run.problems.slice(0, 200).map((x) => (
                  <li key={x.index} data-testid="judge-problem" data-kind={x.kind}>
                    <span className="mono">{x.id}</span>: {x.message}
                  </li>
                ))}
              </ul>
              {run.problems.length > 200 && (
                <p className="muted">… and {formatCount(run.problems.length - 200)} more.</p>
              )}
            </details>
          )}
        </div>
      )}
    </section>
  );
}
