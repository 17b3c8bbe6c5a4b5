import { useState } from 'react';
import { DEFAULT_HUB } from '../../core/hf/hubId';
import { HUB_ADDRESS_PARAM, REMEMBER_TOKEN_WARNING, useHubAccess } from '../../state/hubAccess';
import styles from './ModelImportPanel.module.css';

/**
 * The Hub's address and an optional access token, for downloads by id. The token is for gated and private
 * repositories; it stays in this tab's memory unless "remember" is ticked.
 */
export function HubAccessFields() {
  const hub = useHubAccess((s) => s.hub);
  const hubProblem = useHubAccess((s) => s.hubProblem);
  const token = useHubAccess((s) => s.token);
  const remember = useHubAccess((s) => s.remember);
  const setHub = useHubAccess((s) => s.setHub);
  const setToken = useHubAccess((s) => s.setToken);
  const setRemember = useHubAccess((s) => s.setRemember);
  const [address, setAddress] = useState(hub);
  // Open when the page was pointed at another Hub, so the address in use is seen.
  const [open, setOpen] = useState(hub !== DEFAULT_HUB);
  return (
    <div className={`small ${styles.hubAccess}`} data-testid="hub-access">
      <button className="btn link" aria-expanded={open} data-testid="hub-access-toggle" onClick={() => setOpen(!open)}>
        Hub {hub === DEFAULT_HUB ? '' : `${hub} · `}
        {token ? 'access token set' : 'no access token (public models only)'}
      </button>
      {open && (
        <>
          <div className={`row ${styles.hubFields}`}>
            <label className="field">
              Hub address
              <input
                type="url"
                aria-label="Hub address"
                data-testid="hub-address"
                value={address}
                className={styles.url}
                onChange={(e) => {
                  setAddress(e.target.value);
                  setHub(e.target.value);
                }}
              />
            </label>
            <label className="field">
              Access token
              <input
                type="password"
                aria-label="Hub access token"
                data-testid="hub-token"
                autoComplete="off"
                placeholder="hf_… (for gated or private models)"
                value={token}
                onChange={(e) => setToken(e.target.value)}
              />
            </label>
            <label className="field">
              <input
                type="checkbox"
                aria-label="Remember the token"
                checked={remember}
                onChange={(e) => setRemember(e.target.checked)}
              />
              Remember it in this browser
            </label>
          </div>
          {hubProblem && (
            <div className={styles.hubNote} role="alert">
              {hubProblem}
            </div>
          )}
          <div className={`muted ${styles.hubNote}`}>
            {remember
              ? REMEMBER_TOKEN_WARNING
              : 'The token is kept in memory only and is forgotten when this tab closes; it is sent only to the Hub, as Authorization: Bearer.'}{' '}
            A mirror or a local test Hub can also be given in the page address:{' '}
            <code>?{HUB_ADDRESS_PARAM}=http://127.0.0.1:8080</code>.
          </div>
        </>
      )}
    </div>
  );
}
