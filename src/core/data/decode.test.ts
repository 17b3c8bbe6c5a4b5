import { describe, expect, it } from 'vitest';
import { decodeText, firstInvalidUtf8 } from './decode';
import { DatasetError } from './record';
import { utf16, utf8 } from './testing/fixtures';

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

describe('decodeText', () => {
  it('reads UTF-8 and strips the BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a": "é"}')]);
    const d = decodeText(bytes, 'x.json');
    expect(d).toEqual({ text: '{"a": "é"}', encoding: 'utf-8', hadBom: true });
    expect(decodeText(utf8('[1]')).hadBom).toBe(false);
  });

  it('reads UTF-16 LE and BE with a BOM', () => {
    const text = '[{"instruction": "Grüß", "output": "ok"}]';
    expect(decodeText(utf16(text, 'le'), 'a.json')).toEqual({ text, encoding: 'utf-16le', hadBom: true });
    expect(decodeText(utf16(text, 'be'), 'a.json')).toEqual({ text, encoding: 'utf-16be', hadBom: true });
  });

  it('recognises BOM-less UTF-16 by its NUL pattern instead of calling it binary', () => {
    const text = 'instruction,output\nhello,world\n';
    expect(decodeText(utf16(text, 'le', false), 'a.csv')).toEqual({ text, encoding: 'utf-16le', hadBom: false });
    expect(decodeText(utf16(text, 'be', false), 'a.csv').encoding).toBe('utf-16be');
  });

  it('refuses an empty file and a whitespace-only file', () => {
    const empty = errorOf(() => decodeText(new Uint8Array(0), 'e.json'));
    expect(empty.message).toBe('"e.json" is empty (0 bytes).');
    expect(empty.hint).toMatch(/records/);
    expect(errorOf(() => decodeText(utf8(' \n\t\r\n '), 'w.jsonl')).message).toMatch(/only whitespace/);
  });

  it('refuses binary files: NUL bytes, control characters, archives', () => {
    const nul = errorOf(() =>
      decodeText(new Uint8Array([0x7b, 0x22, 0x00, 0x01, 0x02, 0x41, 0x42, 0x43, 0x44, 0x45]), 'b.json'),
    );
    expect(nul.message).toMatch(/binary file \(it contains NUL bytes\)/);
    expect(nul.hint).toMatch(/UTF-8/);
    const controls = new Uint8Array(200).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    expect(errorOf(() => decodeText(controls, 'c.txt')).message).toMatch(
      /looks binary: 34% of its first 200 bytes are control characters/,
    );
    expect(errorOf(() => decodeText(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2]), 'd.jsonl.gz')).message).toMatch(
      /gzip archive/,
    );
    expect(errorOf(() => decodeText(new Uint8Array([0x50, 0x4b, 3, 4, 1, 2]), 'd.xlsx')).hint).toMatch(/CSV UTF-8/);
  });

  it('refuses invalid UTF-8 naming the byte and line, with a save-as-UTF-8 hint', () => {
    // "caf\xE9" as Latin-1 on the third line.
    const bytes = new Uint8Array([...utf8('a,b\nx,y\ncaf'), 0xe9, ...utf8(',z\n')]);
    const error = errorOf(() => decodeText(bytes, 'latin1.csv'));
    expect(error.message).toBe(
      '"latin1.csv" is not valid UTF-8: byte 0xE9 at line 3 (byte offset 11) cannot start or continue a UTF-8 character.',
    );
    expect(error.hint).toMatch(/Save it as UTF-8/);
  });

  it('finds the first invalid UTF-8 byte', () => {
    expect(firstInvalidUtf8(utf8('héllo ✓ 😀'))).toBe(utf8('héllo ✓ 😀').length);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0x42, 0xe2, 0x82]))).toBe(2); // truncated
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
  });
});
