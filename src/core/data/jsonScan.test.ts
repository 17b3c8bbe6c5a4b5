import { describe, expect, it } from 'vitest';
import { findJsonProblem, lineColumn, quoteUnsafeIntegers, splitConcatenatedValues } from './jsonScan';

/** The problem's place as line:column, for short assertions. */
function at(text: string): string {
  const problem = findJsonProblem(text);
  if (!problem) return 'valid';
  const { line, column } = lineColumn(text, problem.offset);
  return `${line}:${column} ${problem.reason}`;
}

describe('findJsonProblem', () => {
  it('agrees with JSON.parse on which texts are valid', () => {
    const texts = [
      '{}',
      '[]',
      '[1, -2.5e3, "a\\u00e9\\n", true, false, null, {"k": [{}]}]',
      ' {"a" : 1 } ',
      '"x"',
      '0',
      '[1,]',
      '{"a":1,}',
      '[01]',
      '{"a" 1}',
      "['a']",
      '[NaN]',
      '{"a": None}',
      '[1 2]',
      '["a\nb"]',
      '"\\x"',
      '[',
      '{"a":',
      '[1] 2',
      '-',
      '1.',
      '.5',
      '[True]',
      '"\\u12"',
      '{a: 1}',
    ];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(findJsonProblem(text) === undefined, text).toBe(valid);
    }
  });

  it('names the place and the usual cause of errors V8 gives no position for', () => {
    expect(at('[\n  {"a": 1},\n  {"b": NaN}\n]')).toBe(
      "3:9 NaN is not JSON (Python's json.dump writes it for a missing number; use null)",
    );
    expect(at("[{'instruction': 'x'}]")).toBe('1:3 single quotes are not JSON (keys take double quotes)');
    expect(at('{"a": None}')).toBe('1:7 None is Python, not JSON (use null)');
    expect(at('[\n1,\n2,\n]')).toBe('4:1 a trailing comma before "]"');
    expect(at('{"a": 1,\n}')).toBe('2:1 a trailing comma before "}"');
    expect(at('[{"a": 1} {"b": 2}]')).toBe('1:11 expected "," or "]" but found "{" (a missing comma?)');
    expect(at('[{"a": "cut')).toMatch(/^1:8 a string that never ends/);
  });

  it('scans any nesting depth without a stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(findJsonProblem(deep)).toBeUndefined();
    expect(findJsonProblem('['.repeat(100_000))?.reason).toMatch(/the text ends .*cut off/);
  });
});

describe('splitConcatenatedValues', () => {
  it('splits objects standing one after another on a line, and nothing else', () => {
    expect(splitConcatenatedValues('{"a":1} {"b":2}{"c":[3]}')).toEqual(['{"a":1}', '{"b":2}', '{"c":[3]}']);
    expect(splitConcatenatedValues('{"a":1}')).toBeUndefined();
    expect(splitConcatenatedValues('{"a":1} {"b":')).toBeUndefined();
  });
});

describe('quoteUnsafeIntegers', () => {
  it('keeps integers beyond 2^53 as their own digits and leaves everything else alone', () => {
    const text =
      '[{"id": 12345678901234567890, "n": 9007199254740991, "s": "12345678901234567890", "f": 1.2345678901234567e30, "m": -98765432109876543210}]';
    const rows = JSON.parse(quoteUnsafeIntegers(text)) as Record<string, unknown>[];
    expect(rows[0]).toEqual({
      id: '12345678901234567890',
      n: 9007199254740991,
      s: '12345678901234567890',
      f: 1.2345678901234567e30,
      m: '-98765432109876543210',
    });
    expect(quoteUnsafeIntegers('{"id": 7}')).toBe('{"id": 7}');
  });

  it('tells two ids that JSON.parse would merge apart', () => {
    const text = '[{"id": 12345678901234567890}, {"id": 12345678901234567891}]';
    const plain = JSON.parse(text) as { id: number }[];
    expect(plain[0]!.id).toBe(plain[1]!.id); // the collapse this guards against
    const kept = JSON.parse(quoteUnsafeIntegers(text)) as { id: string }[];
    expect(kept.map((r) => r.id)).toEqual(['12345678901234567890', '12345678901234567891']);
  });
});
