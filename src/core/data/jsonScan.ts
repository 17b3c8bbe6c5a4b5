/**
 * A small JSON scanner for what `JSON.parse` does not tell: where a syntax error sits (V8 names a position only for
 * some errors, never for "Unexpected token"), where the first value on a line ends (two objects on one JSONL line),
 * and which integer literals `JSON.parse` would round (ids above 2^53). Iterative, so any nesting depth is safe.
 */

export interface JsonSyntaxProblem {
  /** 0-based offset of the first character that makes the text invalid JSON. */
  offset: number;
  /** What is wrong there, in words a person who exported the file from Python or by hand recognises. */
  reason: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Why the character at `i` cannot start a value: the usual non-JSON spellings are named. */
function badValueStart(text: string, i: number): string {
  if (i >= text.length) return 'the text ends where a value should be (cut off?)';
  const rest = text.slice(i, i + 9);
  if (/^NaN\b/.test(rest)) return "NaN is not JSON (Python's json.dump writes it for a missing number; use null)";
  if (/^-?Infinity\b/.test(rest)) return 'Infinity is not JSON (use null or a large number)';
  if (/^None\b/.test(rest)) return 'None is Python, not JSON (use null)';
  if (/^(True|False)\b/.test(rest))
    return `${rest.startsWith('T') ? 'True' : 'False'} is Python, not JSON (use ${rest.startsWith('T') ? 'true' : 'false'})`;
  if (/^undefined\b/.test(rest)) return 'undefined is not JSON (use null)';
  const c = text[i];
  if (c === "'") return 'single quotes are not JSON (strings take double quotes)';
  if (c === ']' || c === '}') return `a trailing comma before "${c}"`;
  if (c === ',') return 'two commas in a row (a missing value)';
  return `unexpected character ${JSON.stringify(c)} where a value should start`;
}

/** Offset just past the string whose opening quote is at `i`, or a problem. */
function scanString(text: string, i: number): number | JsonSyntaxProblem {
  let j = i + 1;
  for (;;) {
    if (j >= text.length) return { offset: i, reason: 'a string that never ends (a missing closing quote)' };
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      const e = text[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6)))
          return { offset: j, reason: 'a \\u escape without four hex digits' };
        j += 6;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
        j += 2;
      } else {
        return { offset: j, reason: `an invalid escape "\\${e ?? ''}" in a string` };
      }
      continue;
    }
    if (c < 0x20)
      return { offset: j, reason: 'a raw line break or control character inside a string (write it as \\n)' };
    j++;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scanNumber(text: string, i: number): number | undefined {
  NUMBER.lastIndex = i;
  return NUMBER.exec(text) ? NUMBER.lastIndex : undefined;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Scan one JSON value starting at or after `start` (leading whitespace skipped). Returns the offset just past it, or
 * the first problem. Containers are tracked on an explicit stack.
 */
export function scanValue(text: string, start: number): { end: number } | JsonSyntaxProblem {
  const stack: ('[' | '{')[] = [];
  let i = skipWs(text, start);
  // After a value closes, what may follow depends on the container it sits in.
  for (;;) {
    // ── a value starts at i ──
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      i = skipWs(text, i + 1);
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        stack.pop();
        i++;
      } else if (c === '{') {
        const key = expectKey(text, i);
        if (typeof key !== 'number') return key;
        i = key;
        continue;
      } else {
        continue;
      }
    } else if (c === '"') {
      const end = scanString(text, i);
      if (typeof end !== 'number') return end;
      i = end;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const end = scanNumber(text, i);
      if (end === undefined) return { offset: i, reason: 'a malformed number' };
      i = end;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return { offset: i, reason: badValueStart(text, i) };

    // ── a value ended at i: close containers or move to the next element ──
    for (;;) {
      if (stack.length === 0) return { end: i };
      i = skipWs(text, i);
      const top = stack[stack.length - 1];
      const close = top === '{' ? '}' : ']';
      if (text[i] === close) {
        stack.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') {
        if (i >= text.length)
          return { offset: i, reason: `the text ends inside ${top === '{' ? 'an object' : 'an array'} (cut off?)` };
        return {
          offset: i,
          reason: `expected "," or "${close}" but found ${JSON.stringify(text[i])} (a missing comma?)`,
        };
      }
      i = skipWs(text, i + 1);
      if (top === '{') {
        const key = expectKey(text, i);
        if (typeof key !== 'number') return key;
        i = key;
      }
      break;
    }
  }
}

/** A key and its colon at `i`; returns the offset of the value after the colon. */
function expectKey(text: string, i: number): number | JsonSyntaxProblem {
  if (text[i] !== '"') {
    if (text[i] === '}') return { offset: i, reason: 'a trailing comma before "}"' };
    if (text[i] === "'") return { offset: i, reason: 'single quotes are not JSON (keys take double quotes)' };
    if (i >= text.length) return { offset: i, reason: 'the text ends inside an object (cut off?)' };
    return { offset: i, reason: `a key must be a string in double quotes, found ${JSON.stringify(text[i])}` };
  }
  const end = scanString(text, i);
  if (typeof end !== 'number') return end;
  const colon = skipWs(text, end);
  if (text[colon] !== ':') return { offset: colon, reason: `expected ":" after the key ${text.slice(i, end)}` };
  return skipWs(text, colon + 1);
}

/** The first syntax problem in `text` as a whole JSON document, or undefined when it is valid. */
export function findJsonProblem(text: string): JsonSyntaxProblem | undefined {
  const scanned = scanValue(text, 0);
  if ('reason' in scanned) return scanned;
  const after = skipWs(text, scanned.end);
  if (after < text.length) return { offset: after, reason: 'more text after the end of the JSON value' };
  return undefined;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The JSON values standing one after another on a line (`{…} {…}`), as their texts; undefined when the line is not
 * such a sequence (then it is a plain syntax error).
 */
export function splitConcatenatedValues(line: string): string[] | undefined {
  const parts: string[] = [];
  let i = skipWs(line, 0);
  while (i < line.length) {
    const scanned = scanValue(line, i);
    if ('reason' in scanned) return undefined;
    parts.push(line.slice(i, scanned.end));
    i = skipWs(line, scanned.end);
  }
  return parts.length > 1 ? parts : undefined;
}

const LONG_DIGITS = /\d{16}/;

/**
 * Puts integer literals that `JSON.parse` would round (beyond ±2^53) in quotes, so a 20-digit id stays its own
 * text instead of collapsing onto its neighbour. Everything else, strings included, is left as it is.
 */
export function quoteUnsafeIntegers(text: string): string {
  if (!LONG_DIGITS.test(text)) return text;
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = scanString(text, i);
      if (typeof end !== 'number') return text; // invalid JSON: let JSON.parse report it
      i = end - 1;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = scanNumber(text, i) ?? i + 1;
      const literal = text.slice(i, end);
      if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copied, i)}"${literal}"`;
        copied = end;
      }
      i = end - 1;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
