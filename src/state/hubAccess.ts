/**
 * Where the Hub is and how to get in: its address (https://huggingface.co, or a mirror / the local test server,
 * from the `?hub=` query parameter or the import panel's field) and an optional access token for gated and
 * private repositories. The token lives in memory and is gone with the tab, unless the person ticks "remember":
 * then it is kept in localStorage, and the panel says what that means. Shared by the model and dataset downloads.
 */
import { create } from 'zustand';
import { DEFAULT_HUB, normalizeHubAddress } from '../core/hf/hubId';

export const HUB_TOKEN_STORAGE_KEY = 'phased-ift.hub.token';
export const HUB_ADDRESS_PARAM = 'hub';

export const REMEMBER_TOKEN_WARNING =
  'The token will be stored unencrypted in this browser (localStorage): anyone using this browser profile, and any script running on this page, can read it. Use a read-only token.';

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

interface HubAccessState {
  /** The Hub's origin, without a trailing slash. */
  hub: string;
  token: string;
  remember: boolean;
  /** Why the typed address was not taken, if it was not. */
  hubProblem?: string;
  setHub(text: string): void;
  setToken(token: string): void;
  setRemember(remember: boolean): void;
}

const storage = (): StorageLike | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage blocked: the token stays in memory
  }
};

/** The address from `?hub=` when the page has one (and it is valid), else huggingface.co. */
export function initialHubAddress(search: string): string {
  const given = new URLSearchParams(search).get(HUB_ADDRESS_PARAM);
  if (!given) return DEFAULT_HUB;
  try {
    return normalizeHubAddress(given);
  } catch {
    return DEFAULT_HUB;
  }
}

function persist(token: string, remember: boolean) {
  const s = storage();
  if (remember && token) s?.setItem(HUB_TOKEN_STORAGE_KEY, token);
  else s?.removeItem(HUB_TOKEN_STORAGE_KEY);
}

export const useHubAccess = create<HubAccessState>()((set, get) => {
  const remembered = storage()?.getItem(HUB_TOKEN_STORAGE_KEY) ?? '';
  return {
    hub: initialHubAddress(globalThis.location?.search ?? ''),
    token: remembered,
    remember: remembered !== '',
    setHub(text) {
      try {
        set({ hub: normalizeHubAddress(text), hubProblem: undefined });
      } catch (error) {
        set({ hubProblem: (error as Error).message });
      }
    },
    setToken(token) {
      set({ token });
      persist(token.trim(), get().remember);
    },
    setRemember(remember) {
      set({ remember });
      persist(get().token.trim(), remember);
    },
  };
});
