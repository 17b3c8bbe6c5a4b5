import { DatasetError } from './record';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  /** Whether the file started with a byte-order mark (which is not part of `text`). */
  hadBom: boolean;
}

/** How many leading bytes the binary and UTF-16 checks look at: enough to judge, cheap on a 1 GiB file. */
const SAMPLE_BYTES = 64 * 1024;

const SAVE_AS_UTF8 = 'Save it as UTF-8 text (JSON, JSONL, CSV or TSV) and drop it again.';

/**
 * Bytes → text. UTF-8 (BOM stripped) and UTF-16 LE/BE are read; binary files and text in another encoding are
 * refused with a `DatasetError` that says what the file looks like and how to fix it.
 */
export function decodeText(bytes: Uint8Array, fileName = 'the file'): DecodedText {
  if (bytes.length === 0) {
    throw new DatasetError(`"${fileName}" is empty (0 bytes).`, 'Choose a file that holds records.');
  }
  const utf16 = utf16Order(bytes);
  let decoded: DecodedText;
  if (utf16) {
    const bomLength = utf16.hadBom ? 2 : 0;
    try {
      const text = new TextDecoder(utf16.encoding, { fatal: true }).decode(bytes.subarray(bomLength));
      decoded = { text, encoding: utf16.encoding, hadBom: utf16.hadBom };
    } catch (error) {
      if (error instanceof RangeError) throw tooBig(bytes, fileName);
      throw new DatasetError(
        `"${fileName}" looks like ${utf16.encoding.toUpperCase()} text but holds invalid UTF-16 sequences.`,
        SAVE_AS_UTF8,
      );
    }
  } else {
    refuseBinary(bytes, fileName);
    const hadBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    const body = hadBom ? bytes.subarray(3) : bytes;
    try {
      // ignoreBOM: the BOM, if any, is already cut off above; a second one would be content.
      decoded = {
        text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body),
        encoding: 'utf-8',
        hadBom,
      };
    } catch (error) {
      if (error instanceof RangeError) throw tooBig(bytes, fileName);
      throw invalidUtf8(body, fileName);
    }
  }
  // One line-end convention for every reader: a CRLF header over LF rows (or lone CRs, old Mac style) would
  // otherwise merge rows in CSV, and leave a '\r' at the end of the last field of every row.
  if (decoded.text.includes('\r')) decoded.text = decoded.text.replace(/\r\n?/g, '\n');
  if (decoded.text.trim() === '') {
    throw new DatasetError(`"${fileName}" holds only whitespace, no records.`, 'Choose a file that holds records.');
  }
  return decoded;
}

/** JavaScript strings stop at about 512 MiB of text (V8); a bigger file cannot be held as one. */
function tooBig(bytes: Uint8Array, fileName: string): DatasetError {
  return new DatasetError(
    `"${fileName}" is too big to read as text in one piece (${Math.round(bytes.length / 2 ** 20)} MiB; the limit is about 512 MiB).`,
    'Take a sample of the records (a browser-sized fine-tune needs far fewer), or split the file.',
  );
}

/** UTF-16 by its byte-order mark, or by the tell-tale NUL in every other byte of mostly-ASCII text without one. */
function utf16Order(bytes: Uint8Array): { encoding: 'utf-16le' | 'utf-16be'; hadBom: boolean } | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', hadBom: true };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', hadBom: true };
  const n = Math.min(bytes.length, SAMPLE_BYTES) & ~1;
  if (n < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > 0.9 * pairs && evenNul < 0.05 * pairs) return { encoding: 'utf-16le', hadBom: false };
  if (evenNul > 0.9 * pairs && oddNul < 0.05 * pairs) return { encoding: 'utf-16be', hadBom: false };
  return undefined;
}

/** Known binary containers get a specific hint; anything else with NULs or many control bytes is refused. */
function refuseBinary(bytes: Uint8Array, fileName: string): void {
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) {
    throw new DatasetError(
      `"${fileName}" is a gzip archive, not a dataset file.`,
      'Unpack it first (gunzip) and drop the file inside.',
    );
  }
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    throw new DatasetError(
      `"${fileName}" is a ZIP archive (or an Excel .xlsx workbook), not a dataset file.`,
      'Unzip it and drop the file inside; from Excel, use Save As → "CSV UTF-8".',
    );
  }
  const n = Math.min(bytes.length, SAMPLE_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) {
      throw new DatasetError(`"${fileName}" is a binary file (it contains NUL bytes), not text.`, SAVE_AS_UTF8);
    }
    // Tab, LF, FF, CR and ESC appear in real text; other C0 controls hardly ever do.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) control++;
  }
  if (control > 0.1 * n) {
    throw new DatasetError(
      `"${fileName}" looks binary: ${Math.round((100 * control) / n)}% of its first ${n} bytes are control characters.`,
      SAVE_AS_UTF8,
    );
  }
}

/** Find the first byte that breaks UTF-8, to say where it is. Only runs once decoding has already failed. */
function invalidUtf8(bytes: Uint8Array, fileName: string): DatasetError {
  const offset = firstInvalidUtf8(bytes);
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  const byte = bytes[offset] ?? 0;
  return new DatasetError(
    `"${fileName}" is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at line ${line} (byte offset ${offset}) ` +
      'cannot start or continue a UTF-8 character.',
    'It is probably in Latin-1 / Windows-1252 (common in Excel exports). ' +
      'Save it as UTF-8 (Excel: Save As → "CSV UTF-8"; an editor: "Save with encoding → UTF-8") and drop it again.',
  );
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence; `bytes.length` when all are valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
