import type { AdapterSummary } from '../../core/runs/backendChoice';
import { useBackendCheckStore, type AgreementAnswer } from '../../state/backendCheckStore';
import { useTrainStore } from '../../state/trainStore';
import styles from './BackendCheck.module.css';

const e = (x: number) => (Number.isFinite(x) ? x.toExponential(1) : String(x));

function adapterLabel(adapter: AdapterSummary | undefined): string {
  if (!adapter) return '';
  const name =
    [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return adapter.isFallbackAdapter ? `${name} (software fallback)` : name;
}

/**
 * "Does this backend train the same model as the CPU?" One training step of a micro model on cpu and on the chosen
 * backend in a separate worker, compared: loss, token-embedding gradient, gradient norm, weights after AdamW.
 */
export function BackendCheck() {
  const backend = useTrainStore((s) => s.settings.backend);
  const state = useBackendCheckStore((s) => s.check);
  const runCheck = useBackendCheckStore((s) => s.run);
  const running = state.status === 'running';
  const label = backend === 'auto' ? 'the automatic backend' : backend;
  const run = () => void runCheck(backend);

  return (
    <div className={`row small ${styles.check}`} data-testid="backend-check">
      <button
        className="btn"
        onClick={run}
        disabled={running}
        title="One training step of a tiny model on the CPU and on this backend, compared number by number"
      >
        Check {label} against CPU
      </button>
      {state.status === 'running' && <span className="muted">{state.progress}</span>}
      {state.status === 'error' && (
        <span role="alert" data-testid="backend-check-error" className={styles.failed}>
          The check could not run: {state.message}
        </span>
      )}
      {state.status === 'done' && <CheckResult answer={state.answer} />}
    </div>
  );
}

function CheckResult({ answer }: { answer: AgreementAnswer }) {
  const s = answer.summary;
  const adapter = adapterLabel(answer.choice.adapter);
  return (
    <span
      data-testid="backend-check-result"
      data-pass={String(s.pass)}
      data-backend={s.backend}
      data-reference={s.reference}
      data-adapter={adapter}
      data-dloss={s.lossDelta}
      data-dgrad={s.wteGradMaxAbs}
      data-dgrad-rel={s.wteGradRel}
      data-dparam={s.paramMaxAbs}
      data-embedding-path={s.embeddingGradPath}
      data-other-path-pass={s.otherPath ? String(s.otherPath.pass) : ''}
      className="mono"
    >
      <strong className={s.pass ? styles.passed : styles.failed}>{s.pass ? 'pass' : 'FAIL'}</strong> {s.backend}
      {adapter && ` (${adapter})`} vs {s.reference}: |Δloss| {e(s.lossDelta)} · max |Δgrad wte| {e(s.wteGradMaxAbs)}{' '}
      (rel {e(s.wteGradRel)}) · max |Δparam| {e(s.paramMaxAbs)} · embedding grad: {s.embeddingGradPath}
      {s.otherPath &&
        ` (${s.otherPath.path} route ${s.otherPath.pass ? 'agrees' : 'DISAGREES'}, rel ${e(s.otherPath.wteGradRel)})`}
      {s.failures.length > 0 && <span className="muted"> — {s.failures.join('; ')}</span>}
    </span>
  );
}
