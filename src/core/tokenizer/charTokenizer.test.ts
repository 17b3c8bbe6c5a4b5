import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './charTokenizer';
import { tokenizerFromJSON } from './fromJSON';
import { TokenizerError } from './tokenizer';

describe('CharTokenizer', () => {
  it('puts the specials first with fixed ids and sorts the alphabet by code point', () => {
    const tok = CharTokenizer.fromTexts(['cab', 'b a']);
    expect([tok.padId, tok.bosId, tok.eosId, tok.unkId]).toEqual([0, 1, 2, 3]);
    expect(tok.characters()).toEqual([' ', 'a', 'b', 'c']);
    expect(tok.vocabSize).toBe(8);
    expect(tok.encode('abc ')).toEqual([5, 6, 7, 4]);
  });

  it('gives the same ids whatever the order of the texts', () => {
    const a = CharTokenizer.fromTexts(['hello', 'world']);
    const b = CharTokenizer.fromTexts(['world', 'hello']);
    expect(a.toJSON()).toEqual(b.toJSON());
  });

  it('round-trips text made of known characters', () => {
    const text = 'User: add 2+2\nAssistant: 4';
    const tok = CharTokenizer.fromTexts([text]);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('maps unknown characters to <unk> and decodes them as U+FFFD', () => {
    const tok = CharTokenizer.fromTexts(['ab']);
    expect(tok.encode('axb')).toEqual([4, tok.unkId, 5]);
    expect(tok.decode(tok.encode('axb'))).toBe('a\uFFFDb');
  });

  it('treats an astral character as one token', () => {
    const tok = CharTokenizer.fromTexts(['a😀b']);
    expect(tok.vocabSize).toBe(7);
    expect(tok.encode('😀')).toHaveLength(1);
    expect(tok.decode(tok.encode('b😀a'))).toBe('b😀a');
  });

  it('never emits specials from text, and skips or shows them on decode', () => {
    const tok = CharTokenizer.fromTexts(['<eos>']);
    expect(tok.encode('<eos>')).not.toContain(tok.eosId);
    const ids = [tok.bosId, ...tok.encode('eos'), tok.eosId, tok.padId];
    expect(tok.decode(ids)).toBe('eos');
    expect(tok.decode(ids, { specials: 'show' })).toBe('<bos>eos<eos><pad>');
  });

  it('includes alwaysInclude characters', () => {
    const tok = CharTokenizer.fromTexts(['a'], { alwaysInclude: '\n' });
    expect(tok.characters()).toEqual(['\n', 'a']);
  });

  it('rejects ids outside the vocabulary', () => {
    const tok = CharTokenizer.fromTexts(['a']);
    expect(() => tok.decode([5])).toThrow(/outside/);
    expect(() => tok.decode([-1])).toThrow(TokenizerError);
  });

  it('restores from JSON, directly and through tokenizerFromJSON', () => {
    const tok = CharTokenizer.fromTexts(['the quick brown fox']);
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    const back = CharTokenizer.fromJSON(json);
    expect(back.encode('quick fox')).toEqual(tok.encode('quick fox'));
    const viaRegistry = tokenizerFromJSON(json);
    expect(viaRegistry.kind).toBe('char');
    expect(viaRegistry.vocabSize).toBe(tok.vocabSize);
  });

  it('explains bad JSON', () => {
    expect(() => CharTokenizer.fromJSON(null)).toThrow(/must be an object/);
    expect(() => CharTokenizer.fromJSON({ kind: 'bpe' })).toThrow(/expected "char"/);
    expect(() => CharTokenizer.fromJSON({ kind: 'char', version: 2, alphabet: [] })).toThrow(/version 1/);
    expect(() => CharTokenizer.fromJSON({ kind: 'char', version: 1 })).toThrow(/alphabet/);
    expect(() => CharTokenizer.fromJSON({ kind: 'char', version: 1, alphabet: ['a', 'a'] })).toThrow(/twice/);
    expect(() => CharTokenizer.fromJSON({ kind: 'char', version: 1, alphabet: ['ab'] })).toThrow(
      /exactly one character/,
    );
    expect(() => tokenizerFromJSON({ kind: 'sentencepiece' })).toThrow(/Unknown tokenizer kind "sentencepiece"/);
  });
});
