/**
 * A minimal YAML emitter for flat configuration files (LLaMA-Factory training YAML): `key: scalar` lines, block
 * lists of scalars, comments and section headers. The page ships no YAML library for this, and these files are read by
 * PyYAML (YAML 1.1) on the training machine, so the emitter is written against the places where YAML 1.1 and 1.2
 * disagree: a string is quoted whenever a parser of either version could read it as something else (`no`, `on`,
 * `1e5`, `010`, `2024-01-01`, `null`, …), and a float is written so that both read it as a float (PyYAML reads
 * `5e-6` as a *string*; `5.0e-6` is a float everywhere).
 *
 * The tests read the output back with the `yaml` package under YAML 1.1 and under 1.2 and require both to give the
 * written values (./testing.ts), and with PyYAML itself where python3 has it.
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
    else if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
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
  if (!Number.isFinite(n))
    throw new RangeError(`YAML: ${n} is not a finite number; configuration values must be finite.`);
  if (Object.is(n, -0)) return '0';
  const abs = Math.abs(n);
  const plain =
    Number.isInteger(n) && abs < 1e15
      ? String(n)
      : abs !== 0 && (abs < 1e-3 || abs >= 1e15)
        ? n.toExponential()
        : String(n);
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
