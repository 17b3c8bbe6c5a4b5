import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HUB,
  formatHubId,
  hubFileUrl,
  hubRepoPage,
  hubResolveBase,
  hubTreeUrl,
  looksLikeHubId,
  normalizeHubAddress,
  parseHubId,
} from './hubId';

describe('Hub ids', () => {
  it('reads owner/name, a bare legacy name and an @revision', () => {
    expect(parseHubId('HuggingFaceTB/SmolLM2-135M-Instruct')).toEqual({
      kind: 'model',
      id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      revision: 'main',
    });
    expect(parseHubId(' Qwen/Qwen2.5-0.5B-Instruct@v1.0 ')).toEqual({
      kind: 'model',
      id: 'Qwen/Qwen2.5-0.5B-Instruct',
      revision: 'v1.0',
    });
    expect(parseHubId('gpt2')).toEqual({ kind: 'model', id: 'gpt2', revision: 'main' });
    expect(parseHubId('roneneldan/TinyStories-1M@refs/pr/1').revision).toBe('refs/pr/1');
  });

  it('reads datasets/ ids and Hub page addresses', () => {
    expect(parseHubId('datasets/tatsu-lab/alpaca')).toEqual({
      kind: 'dataset',
      id: 'tatsu-lab/alpaca',
      revision: 'main',
    });
    expect(parseHubId('tatsu-lab/alpaca', 'dataset').kind).toBe('dataset');
    expect(parseHubId('https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct')).toMatchObject({
      id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      revision: 'main',
    });
    expect(parseHubId('https://huggingface.co/gpt2/tree/refs%2Fpr%2F1')).toMatchObject({
      id: 'gpt2',
      revision: 'refs/pr/1',
    });
    expect(parseHubId('https://huggingface.co/datasets/tatsu-lab/alpaca/blob/main/README.md')).toEqual({
      kind: 'dataset',
      id: 'tatsu-lab/alpaca',
      revision: 'main',
    });
  });

  it('refuses what the Hub would refuse, with an example of a valid id', () => {
    for (const bad of ['a/b/c', 'owner/-name', 'owner/na--me', 'owner/na..me', 'own er/name', '/x', 'a/b@'.slice(0, 2)])
      expect(() => parseHubId(bad), bad).toThrow(/not a Hub model id.*HuggingFaceTB\/SmolLM2-135M-Instruct/);
    expect(() => parseHubId('owner/name@bad rev')).toThrow(/not a revision/);
    expect(() => parseHubId('a/b/c', 'dataset')).toThrow(/tatsu-lab\/alpaca/);
  });

  it('tells an id from an address', () => {
    expect(looksLikeHubId('HuggingFaceTB/SmolLM2-135M-Instruct')).toBe(true);
    expect(looksLikeHubId('https://huggingface.co/gpt2/resolve/main/')).toBe(false);
    expect(looksLikeHubId('/hf-mirror/x/')).toBe(false);
    expect(looksLikeHubId('  ')).toBe(false);
  });

  it("builds the Hub's URLs, the revision one path segment", () => {
    const model = parseHubId('roneneldan/TinyStories-1M@refs/pr/1');
    expect(hubResolveBase(DEFAULT_HUB, model)).toBe(
      'https://huggingface.co/roneneldan/TinyStories-1M/resolve/refs%2Fpr%2F1/',
    );
    expect(hubFileUrl('http://127.0.0.1:9/', parseHubId('gpt2'), 'config.json')).toBe(
      'http://127.0.0.1:9/gpt2/resolve/main/config.json',
    );
    const data = parseHubId('datasets/tatsu-lab/alpaca');
    expect(hubFileUrl(DEFAULT_HUB, data, 'data/train 1.parquet')).toBe(
      'https://huggingface.co/datasets/tatsu-lab/alpaca/resolve/main/data/train%201.parquet',
    );
    expect(hubTreeUrl(DEFAULT_HUB, data)).toBe(
      'https://huggingface.co/api/datasets/tatsu-lab/alpaca/tree/main?recursive=true',
    );
    expect(hubTreeUrl(DEFAULT_HUB, model)).toBe(
      'https://huggingface.co/api/models/roneneldan/TinyStories-1M/tree/refs%2Fpr%2F1?recursive=true',
    );
    expect(hubRepoPage(DEFAULT_HUB, data)).toBe('https://huggingface.co/datasets/tatsu-lab/alpaca');
    expect(formatHubId(model)).toBe('roneneldan/TinyStories-1M@refs/pr/1');
    expect(formatHubId(data)).toBe('datasets/tatsu-lab/alpaca');
  });

  it('takes a Hub address as an origin (a mirror may have a path), default huggingface.co', () => {
    expect(normalizeHubAddress('')).toBe(DEFAULT_HUB);
    expect(normalizeHubAddress('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(normalizeHubAddress('https://mirror.example.org/hf/')).toBe('https://mirror.example.org/hf');
    expect(() => normalizeHubAddress('huggingface.co')).toThrow(/not an address/);
    expect(() => normalizeHubAddress('ftp://x.org')).toThrow(/not an http\(s\) address/);
  });
});
