/**
 * A minimal YAML emitter for flat configuration files (LLaMA-Factory training YAML): `key: scalar` lines, block
 * lists of scalars, comments and section headers. No library is installed for YAML, and these files are read by
 * PyYAML (YAML 1.1) on the training machine, so the emitter is written against the places where YAML 1.1 and 1.2
 * disagree: a string is quoted whenever a parser of either version could read it as something else (`no`, `on`,
 * `1e5`, `010`, `2024-01-01`, `null`, …), and a float is written so that both read it as a float (PyYAML reads
 * `5e-6` as a *string*; `5.0e-6` is a float everywhere).
 *
 * The parser below reads back the same subset. It exists for the tests: it resolves plain scalars by YAML 1.1 and
 * 1.2 at once and throws where they differ, so a test that round-trips emitted text proves no such scalar was
 * left unquoted.
 */

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | readonly YamlScalar[];

/** One line (or block) of a flat YAML document. */
export type YamlItem =
  | { key: string; value: YamlValue; /** Written after the value as `# …`. */ comment?: string }
  /** A blank line and `### title`, as LLaMA-Factory's example configs group their keys. */
  | { section: string }
  /** A full-line comment. */
  | { comment: string };

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Words that YAML 1.1 (PyYAML) or 1.2 resolve to a boolean or null when unquoted, lower-cased. */
const SPECIAL_WORDS = new Set(['null', '~', 'true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n']);

/** First characters that make a plain scalar mean something else (YAML indicators), plus `=` (PyYAML's value tag). */
const LEADING_INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`=']);

/** Does this string need quotes to be read back as exactly this string by a YAML 1.1 or 1.2 parser? */
export function needsQuotes(s: string): boolean {
  if (s.length === 0) return true;
  if (s !== s.trim()) return true;
  if (LEADING_INDICATORS.has(s[0]!)) return true;
  if (SPECIAL_WORDS.has(s.toLowerCase())) return true;
  // Anything that could start a number in either version (ints, floats, octal, hex, sexagesimal, dates,
  // .inf / .nan). Quoting a few harmless strings such as "3rd" is the price of not missing one.
  if (/^[-+.]?[0-9]/.test(s) || /^[-+]?\.(inf|nan)$/i.test(s)) return true;
  // `: ` starts a mapping value and ` #` a comment; flow indicators are harmless in block context but cheap to avoid.
  if (/[:#,[\]{}]/.test(s)) return true;
  // Line breaks, tabs and other control characters need escapes, which only double quotes have.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufeff]/.test(s)) return true;
  return false;
}

/** A double-quoted YAML scalar: the JSON escapes plus YAML's own line breaks, all readable by YAML 1.1 and 1.2. */
export function doubleQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * A finite number as both YAML versions read it back: integers as digits; other numbers in the shortest form that
 * round-trips, with exponent forms given a mantissa dot and a signed exponent (`5.0e-6`), which PyYAML requires.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`YAML: ${n} is not a finite number; configuration values must be finite.`);
  if (Object.is(n, -0)) return '0';
  const abs = Math.abs(n);
  const plain = Number.isInteger(n) && abs < 1e15 ? String(n) : abs !== 0 && (abs < 1e-3 || abs >= 1e15) ? n.toExponential() : String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([-+]?)(\d+)$/.exec(plain);
  if (!m) return plain;
  const [, sign, int, frac, expSign, exp] = m;
  return `${sign}${int}.${frac ?? '0'}e${expSign === '-' ? '-' : '+'}${exp}`;
}

function scalar(v: YamlScalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  return needsQuotes(v) ? doubleQuote(v) : v;
}

function commentText(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error(`YAML: a comment cannot span lines: ${JSON.stringify(text)}`);
  return text;
}

/** Writes the items as a YAML document, one `key: value` per line; block lists indented by two spaces. */
export function emitYaml(items: readonly YamlItem[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if ('section' in item) {
      if (lines.length > 0) lines.push('');
      lines.push(`### ${commentText(item.section)}`);
      continue;
    }
    if (!('key' in item)) {
      lines.push(`# ${commentText(item.comment)}`);
      continue;
    }
    if (!KEY_RE.test(item.key)) throw new Error(`YAML: "${item.key}" is not a plain key (letters, digits, _ . -).`);
    if (seen.has(item.key)) throw new Error(`YAML: the key "${item.key}" is written twice.`);
    seen.add(item.key);
    const tail = item.comment === undefined ? '' : `  # ${commentText(item.comment)}`;
    if (Array.isArray(item.value)) {
      const list = item.value as readonly YamlScalar[];
      if (list.length === 0) {
        lines.push(`${item.key}: []${tail}`);
      } else {
        lines.push(`${item.key}:${tail}`);
        for (const v of list) lines.push(`  - ${scalar(v)}`);
      }
    } else {
      lines.push(`${item.key}: ${scalar(item.value as YamlScalar)}${tail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** {@link emitYaml} of a plain object, keys in insertion order. */
export function emitYamlMapping(values: Readonly<Record<string, YamlValue>>): string {
  return emitYaml(Object.entries(values).map(([key, value]) => ({ key, value })));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back (tests)

/** A YAML document outside the subset {@link emitYaml} writes, or a scalar YAML 1.1 and 1.2 would read differently. */
export class YamlSubsetError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

// PyYAML's implicit resolvers (YAML 1.1), from resolver.py.
const Y11_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const Y11_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const Y11_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const Y11_TIMESTAMP = /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?/;
// YAML 1.2 core schema.
const Y12_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const Y12_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const Y12_FLOAT = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL_WORDS = /^(?:~|null|Null|NULL)$/;

function y11Number(s: string): number | undefined {
  if (Y11_FLOAT.test(s) || Y11_INT.test(s)) {
    const t = s.replace(/_/g, '');
    if (/:/.test(t) || /\.(inf|nan)/i.test(t)) return NaN; // sexagesimal and specials: flagged, never emitted
    if (/^[-+]?0b/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[-+]?0b/, ''), 2);
    if (/^[-+]?0x/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[-+]?0x/, ''), 16);
    if (/^[-+]?0[0-7]+$/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[-+]?0/, ''), 8);
    return Number(t);
  }
  return undefined;
}

function y12Number(s: string): number | undefined {
  if (Y12_INT.test(s) || Y12_FLOAT.test(s)) {
    if (/\.(inf|nan)/i.test(s)) return NaN;
    if (s.startsWith('0o')) return parseInt(s.slice(2), 8);
    if (s.startsWith('0x')) return parseInt(s.slice(2), 16);
    return Number(s);
  }
  return undefined;
}

/** Resolves a plain scalar; throws where YAML 1.1 and 1.2 would not agree on its type and value. */
export function resolvePlain(s: string, line = 0): YamlScalar {
  if (s === '' || NULL_WORDS.test(s)) return null;
  const b11 = Y11_BOOL.test(s);
  const b12 = Y12_BOOL.test(s);
  if (b11 !== b12) throw new YamlSubsetError(`"${s}" is a boolean in YAML 1.1 but a string in 1.2; quote it.`, line);
  if (b11) return /^t/i.test(s);
  const n11 = y11Number(s);
  const n12 = y12Number(s);
  if (n11 !== undefined || n12 !== undefined) {
    if (n11 === undefined || n12 === undefined || Number.isNaN(n11) || n11 !== n12) {
      throw new YamlSubsetError(`"${s}" reads as ${String(n11 ?? 'a string')} in YAML 1.1 and ${String(n12 ?? 'a string')} in 1.2; write it unambiguously.`, line);
    }
    return n11;
  }
  if (Y11_TIMESTAMP.test(s)) throw new YamlSubsetError(`"${s}" is a timestamp in YAML 1.1; quote it.`, line);
  if (LEADING_INDICATORS.has(s[0]!)) throw new YamlSubsetError(`"${s}" starts with an indicator character; quote it.`, line);
  if (/: |:$| #/.test(s)) throw new YamlSubsetError(`"${s}" holds ": " or " #"; quote it.`, line);
  return s;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', b: '\b', f: '\f', e: '\x1b', ' ': ' ' };

function readDoubleQuoted(text: string, line: number): { value: string; rest: string } {
  let out = '';
  let i = 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value: out, rest: text.slice(i + 1) };
    if (ch === '\\') {
      const e = text[i + 1];
      if (e === undefined) break;
      if (e === 'u' || e === 'x' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new YamlSubsetError(`bad \\${e} escape`, line);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
        continue;
      }
      const mapped = ESCAPES[e];
      if (mapped === undefined) throw new YamlSubsetError(`unknown escape \\${e}`, line);
      out += mapped;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
  throw new YamlSubsetError('unterminated double-quoted string', line);
}

function readSingleQuoted(text: string, line: number): { value: string; rest: string } {
  let out = '';
  let i = 1;
  while (i < text.length) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      return { value: out, rest: text.slice(i + 1) };
    }
    out += text[i]!;
    i++;
  }
  throw new YamlSubsetError('unterminated single-quoted string', line);
}

function readScalar(text: string, line: number): YamlScalar {
  const t = text.trim();
  if (t.startsWith('"') || t.startsWith("'")) {
    const { value, rest } = t.startsWith('"') ? readDoubleQuoted(t, line) : readSingleQuoted(t, line);
    const after = rest.trim();
    if (after !== '' && !after.startsWith('#')) throw new YamlSubsetError(`text after a quoted scalar: ${after}`, line);
    if (after.startsWith('#') && !/^\s/.test(rest)) throw new YamlSubsetError('a comment must follow a space', line);
    return value;
  }
  const hash = t.search(/\s#/);
  const plain = (hash >= 0 ? t.slice(0, hash) : t).trim();
  return resolvePlain(plain, line);
}

/**
 * Reads the subset {@link emitYaml} writes: comments, blank lines, `key: scalar`, `key: []` and `key:` followed by
 * `  - scalar` lines (`key:` with none is null). Throws a {@link YamlSubsetError} on anything else, on duplicate keys, and on plain scalars
 * that YAML 1.1 and 1.2 read differently. For the tests; the training machine reads the files with PyYAML.
 */
export function parseSimpleYaml(text: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  const lines = text.split('\n');
  let listKey: string | null = null;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const lineNo = n + 1;
    if (raw.includes('\t')) throw new YamlSubsetError('tabs are not allowed for indentation or values here', lineNo);
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const item = /^ {2}- (.*)$/.exec(raw);
    if (item) {
      if (listKey === null) throw new YamlSubsetError('a list item outside a list', lineNo);
      const list = out[listKey];
      out[listKey] = [...(Array.isArray(list) ? (list as YamlScalar[]) : []), readScalar(item[1]!, lineNo)];
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_.-]*):(?: (.*))?$/.exec(raw);
    if (!kv) throw new YamlSubsetError(`not a "key: value" line: ${raw}`, lineNo);
    const key = kv[1]!;
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new YamlSubsetError(`duplicate key "${key}"`, lineNo);
    const rest = (kv[2] ?? '').trim();
    listKey = null;
    if (rest === '' || rest.startsWith('#')) {
      // `key:` alone is null, unless list items follow
      out[key] = null;
      listKey = key;
    } else if (/^\[\]\s*(#.*)?$/.test(rest)) {
      out[key] = [];
    } else {
      out[key] = readScalar(rest, lineNo);
    }
  }
  return out;
}
