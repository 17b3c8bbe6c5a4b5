import { useEffect, useRef, useState } from 'react';
import {
  ConfigError,
  configFromJson,
  configFromUrlValue,
  configToJson,
  configToUrlValue,
} from '../../core/runs/shareConfig';
import { BASE_MODEL } from '../../state/baseModelStore';
import { usePhasesStore } from '../../state/phasesStore';
import { applySharedConfig } from '../../state/sharedConfig';
import { useTrainStore } from '../../state/trainStore';
import { downloadText } from '../common/download';
import styles from './ConfigShare.module.css';

const HASH_KEY = 'config=';

/** A configuration in the URL (`#config=…`) is applied once, when the page opens with one. */
export function useConfigFromUrl(onProblem: (message: string) => void) {
  const done = useRef(false);
  const hasPhases = usePhasesStore((s) => !!s.settings);
  useEffect(() => {
    if (done.current || typeof location === 'undefined') return;
    const at = location.hash.indexOf(HASH_KEY);
    if (at < 0) return;
    // Phase settings need a dataset; wait for it (restored or dropped) before applying.
    if (!hasPhases) return;
    done.current = true;
    try {
      applySharedConfig(configFromUrlValue(location.hash.slice(at + HASH_KEY.length), { baseModel: BASE_MODEL }));
    } catch (error) {
      onProblem(error instanceof ConfigError ? error.problems.join(' ') : String(error));
    }
  }, [hasPhases, onProblem]);
}

/** Save, load and share the whole setup: a JSON file, or a link that carries it. */
export function ConfigShare() {
  const settings = useTrainStore((s) => s.settings);
  const phases = usePhasesStore((s) => s.settings);
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  useConfigFromUrl((text) => setMessage({ kind: 'error', text: `The link’s configuration was not applied: ${text}` }));

  const importFile = async (file: File) => {
    try {
      applySharedConfig(configFromJson(await file.text(), { baseModel: BASE_MODEL }));
      setMessage({ kind: 'ok', text: `Applied ${file.name}.` });
    } catch (error) {
      setMessage({
        kind: 'error',
        text:
          error instanceof ConfigError ? `${file.name}: ${error.problems.join(' ')}` : `${file.name}: ${String(error)}`,
      });
    }
  };

  return (
    <div className="row small" data-testid="config-share">
      <span className="muted">Configuration:</span>
      <button
        className="btn"
        onClick={() => downloadText('phased-ift-config.json', configToJson(settings, phases), 'application/json')}
      >
        Export JSON
      </button>
      <button className="btn" onClick={() => input.current?.click()}>
        Import JSON…
      </button>
      <button
        className="btn"
        onClick={() => {
          const url = `${location.origin}${location.pathname}${location.search}#${HASH_KEY}${configToUrlValue(settings, phases)}`;
          history.replaceState(null, '', url);
          const inBar = () =>
            setMessage({ kind: 'ok', text: 'The address bar now holds a link with these settings (no data).' });
          if (!navigator.clipboard) inBar();
          else
            navigator.clipboard
              .writeText(url)
              .then(() => setMessage({ kind: 'ok', text: 'Link copied: it carries these settings (no data).' }), inBar);
        }}
      >
        Copy link
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="config-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void importFile(file);
        }}
      />
      {message && (
        <span
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-testid="config-message"
          className={message.kind === 'error' ? styles.error : styles.status}
        >
          {message.text}
        </span>
      )}
    </div>
  );
}
