import { describe, expect, it } from 'vitest';
import { classifyHubAnswer, continuesPartial, parquetFilesOfTree, parseContentRange, retryDelayMs } from './hubFiles';

const ctx = {
  url: 'https://huggingface.co/meta-llama/Llama-3.2-1B/resolve/main/config.json',
  repoPage: 'https://huggingface.co/meta-llama/Llama-3.2-1B',
  withToken: false,
};

describe('Hub answers', () => {
  it('a gated repository says to accept the terms on its page and give a token', () => {
    const a = classifyHubAnswer(401, 'GatedRepo', ctx);
    expect(a.kind).toBe('fatal');
    const message = a.kind === 'fatal' ? a.message : '';
    expect(message).toContain('gated or private');
    expect(message).toContain('accept its terms on https://huggingface.co/meta-llama/Llama-3.2-1B');
    expect(message).toContain('access token');
    const withToken = classifyHubAnswer(403, null, { ...ctx, withToken: true });
    expect(withToken.kind === 'fatal' && withToken.message).toMatch(/refused the access token.*accept its terms/);
  });

  it('no such repository, revision or file', () => {
    const repo = classifyHubAnswer(401, 'RepoNotFound', ctx);
    expect(repo.kind === 'fatal' && repo.message).toMatch(
      /^No such repository at https:\/\/huggingface.co\/meta-llama\/Llama-3.2-1B .*private/,
    );
    expect(classifyHubAnswer(404, 'RepoNotFound', ctx)).toMatchObject({ kind: 'fatal' });
    const rev = classifyHubAnswer(404, 'RevisionNotFound', ctx);
    expect(rev.kind === 'fatal' && rev.message).toMatch(/No such revision/);
    expect(classifyHubAnswer(404, 'EntryNotFound', ctx)).toEqual({ kind: 'missing' });
    expect(classifyHubAnswer(404, null, ctx)).toEqual({ kind: 'missing' });
  });

  it('busy servers are retried with a growing, capped wait; other failures are not', () => {
    for (const s of [408, 429, 500, 502, 503])
      expect(classifyHubAnswer(s, null, ctx), String(s)).toEqual({ kind: 'retry' });
    expect(classifyHubAnswer(400, null, ctx)).toMatchObject({
      kind: 'fatal',
      message: expect.stringContaining('HTTP 400'),
    });
    expect(classifyHubAnswer(200, null, ctx)).toEqual({ kind: 'ok' });
    expect(classifyHubAnswer(206, null, ctx)).toEqual({ kind: 'ok' });
    expect([1, 2, 3, 10].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000]);
  });
});

describe('resume', () => {
  it('reads Content-Range', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: undefined });
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange('bytes */1000')).toBeUndefined();
  });

  it('a 206 continues the kept bytes only where they end and from the same file', () => {
    const r = parseContentRange('bytes 100-199/200');
    expect(continuesPartial(100, r, '"abc"', '"abc"')).toBe(true);
    expect(continuesPartial(100, r, 'W/"abc"', '"abc"')).toBe(true);
    expect(continuesPartial(100, r, null, '"abc"')).toBe(true);
    expect(continuesPartial(100, r, '"new"', '"abc"')).toBe(false);
    expect(continuesPartial(50, r, '"abc"', '"abc"')).toBe(false);
    expect(continuesPartial(100, undefined, '"abc"', '"abc"')).toBe(false);
  });
});

describe('dataset trees', () => {
  it('lists the Parquet files, train first', () => {
    const tree = [
      { type: 'directory', path: 'data' },
      { type: 'file', path: 'README.md', size: 10 },
      { type: 'file', path: 'data/test-00000-of-00001.parquet', size: 5 },
      { type: 'file', path: 'data/train-00001-of-00002.parquet', size: 7 },
      { type: 'file', path: 'data/train-00000-of-00002.parquet', size: 8 },
    ];
    expect(parquetFilesOfTree(tree)).toEqual([
      { path: 'data/train-00000-of-00002.parquet', size: 8 },
      { path: 'data/train-00001-of-00002.parquet', size: 7 },
      { path: 'data/test-00000-of-00001.parquet', size: 5 },
    ]);
    expect(parquetFilesOfTree([])).toEqual([]);
    expect(() => parquetFilesOfTree({ error: 'x' })).toThrow(/not a list/);
  });
});
