/**
 * A Hugging Face Hub repository named the way its page names it — `HuggingFaceTB/SmolLM2-135M-Instruct`,
 * `gpt2`, `Qwen/Qwen2.5-0.5B-Instruct@refs/pr/1`, `datasets/tatsu-lab/alpaca` — and the addresses the Hub serves it
 * under: files at `{hub}/{id}/resolve/{revision}/{file}` (datasets under `{hub}/datasets/…`), the file list at
 * `{hub}/api/{models|datasets}/{id}/tree/{revision}`. Pure; `hub` is the server's origin, https://huggingface.co
 * unless a mirror or the test server is set.
 */

export const DEFAULT_HUB = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export type HubRepoKind = 'model' | 'dataset';

export interface HubRepo {
  kind: HubRepoKind;
  /** `owner/name`, or a bare `name` for the Hub's oldest models (gpt2, distilgpt2). */
  id: string;
  /** A branch, tag, commit hash or `refs/pr/N`. */
  revision: string;
}

/** The Hub's rule for a name part: letters, digits, `-`, `_`, `.`, no `--` or `..`, not starting or ending in `-`/`.`. */
const NAME_PART = /^(?!.*(?:--|\.\.))[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9_])?$/;
const REVISION = /^[\w.\-/]{1,200}$/;

export class HubIdError extends Error {
  override name = 'HubIdError';
}

/** True when `text` looks like a repository id rather than an address (the model field accepts both). */
export function looksLikeHubId(text: string): boolean {
  const t = text.trim();
  return t.length > 0 && !/^[a-z]+:\/\//i.test(t) && !t.startsWith('/');
}

/**
 * `text` as a repository: `owner/name[@revision]`, with `datasets/` in front (or `kind: 'dataset'`) for a dataset.
 * A Hub page address (`https://huggingface.co/owner/name`, `…/tree/rev`) is taken too. Throws HubIdError saying
 * what a valid id looks like.
 */
export function parseHubId(text: string, kind: HubRepoKind = 'model'): HubRepo {
  let t = text.trim();
  const page = /^https?:\/\/(?:www\.)?(?:huggingface\.co|hf\.co)\/(.*)$/i.exec(t);
  let revision: string | undefined;
  if (page) {
    const tree = /^(.*?)\/(?:tree|blob|resolve)\/([^/]+)(?:\/.*)?$/.exec(page[1]!);
    t = tree ? tree[1]! : page[1]!.replace(/\/$/, '');
    if (tree) revision = decodeURIComponent(tree[2]!);
  }
  const at = t.indexOf('@');
  if (at >= 0) {
    revision = t.slice(at + 1);
    t = t.slice(0, at);
  }
  if (t.startsWith('datasets/')) {
    kind = 'dataset';
    t = t.slice('datasets/'.length);
  } else if (t.startsWith('models/')) t = t.slice('models/'.length);
  const parts = t.split('/');
  const example = kind === 'dataset' ? 'tatsu-lab/alpaca' : 'HuggingFaceTB/SmolLM2-135M-Instruct';
  if (parts.length > 2 || !parts.every((p) => NAME_PART.test(p))) {
    throw new HubIdError(
      `"${text.trim()}" is not a Hub ${kind} id: give owner/name, e.g. ${example} (optionally @revision, e.g. ${example}@main).`,
    );
  }
  if (revision !== undefined && !REVISION.test(revision)) {
    throw new HubIdError(
      `"${revision}" is not a revision: give a branch, tag or commit after @, e.g. ${example}@main or @refs/pr/1.`,
    );
  }
  return { kind, id: parts.join('/'), revision: revision || DEFAULT_REVISION };
}

/** `owner/name` or `owner/name@rev` (the revision only when not main), as a user would type it. */
export function formatHubId(repo: HubRepo): string {
  return `${repo.kind === 'dataset' ? 'datasets/' : ''}${repo.id}${repo.revision === DEFAULT_REVISION ? '' : `@${repo.revision}`}`;
}

function trimHub(hub: string): string {
  return hub.trim().replace(/\/+$/, '') || DEFAULT_HUB;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const kindPrefix = (repo: HubRepo) => (repo.kind === 'dataset' ? 'datasets/' : '');

/** The repository's page, where a gated model's terms are accepted. */
export function hubRepoPage(hub: string, repo: HubRepo): string {
  return `${trimHub(hub)}/${kindPrefix(repo)}${repo.id}`;
}

/** The folder the files are served from, ending in `/` (`…/resolve/main/`; `refs/pr/1` as one segment). */
export function hubResolveBase(hub: string, repo: HubRepo): string {
  return `${hubRepoPage(hub, repo)}/resolve/${encodeURIComponent(repo.revision)}/`;
}

export function hubFileUrl(hub: string, repo: HubRepo, file: string): string {
  return hubResolveBase(hub, repo) + encodePath(file);
}

/** Every file of the repository at its revision, folders included (`?recursive=true`). */
export function hubTreeUrl(hub: string, repo: HubRepo): string {
  return `${trimHub(hub)}/api/${repo.kind}s/${repo.id}/tree/${encodeURIComponent(repo.revision)}?recursive=true`;
}

/** A Hub address as typed in the settings: an http(s) origin, with no path. */
export function normalizeHubAddress(text: string): string {
  const t = text.trim();
  if (!t) return DEFAULT_HUB;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw new HubIdError(`"${t}" is not an address: give the Hub's origin, e.g. ${DEFAULT_HUB}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new HubIdError(`"${t}" is not an http(s) address: give the Hub's origin, e.g. ${DEFAULT_HUB}.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
