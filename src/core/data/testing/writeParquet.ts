/**
 * A minimal Parquet writer for tests (hyparquet has no writer installed here): OPTIONAL columns of UTF-8 text,
 * DOUBLE or INT64, lists of text (`data: [prompt, response]`) and lists of structs of text
 * (`conversations: [{from, value}]`); PLAIN encoding, data page v1, one page per column chunk, the footer in the
 * Thrift compact protocol. Enough to make real files that hyparquet reads; not a general writer.
 */

import { brotliCompressSync, gzipSync } from 'node:zlib';

export type ParquetTestColumn =
  | { name: string; type: 'string'; values: (string | null)[] }
  | { name: string; type: 'double'; values: (number | null)[] }
  | { name: string; type: 'int64'; values: (bigint | null)[] }
  | { name: string; type: 'string-list'; values: (string[] | null)[] }
  | { name: string; type: 'struct-list'; fields: string[]; values: (Record<string, string>[] | null)[] };

export interface WriteParquetOptions {
  /** Rows per row group (default: all in one). */
  rowGroupSize?: number;
  /**
   * The codec: pages are really compressed with GZIP and BROTLI (Node's zlib); LZO is only written into the
   * metadata, so a test can see a codec the reader lacks refused. ZSTD comes from pyarrow instead
   * (scripts/make_zstd_parquet.py): Node has no ZSTD compressor here.
   */
  codec?: 'UNCOMPRESSED' | 'GZIP' | 'BROTLI' | 'LZO';
  /** A row count for the footer (file and its one row group) other than the truth: a damaged or lying file. */
  footerRows?: number;
}

const CODECS = { UNCOMPRESSED: 0, GZIP: 2, LZO: 3, BROTLI: 4 } as const;

function compress(codec: NonNullable<WriteParquetOptions['codec']>, page: Uint8Array): Uint8Array {
  switch (codec) {
    case 'GZIP':
      return new Uint8Array(gzipSync(page));
    case 'BROTLI':
      return new Uint8Array(brotliCompressSync(page));
    default:
      return page;
  }
}
const PARQUET_TYPE = { int64: 2, double: 5, string: 6 } as const;
const REPEATED = 2;
const OPTIONAL = 1;
const CONVERTED_UTF8 = 0;
const CONVERTED_LIST = 3;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const PAGE_DATA = 0;

// ---- Thrift compact protocol ----

type TValue =
  | { t: 'i32'; v: number }
  | { t: 'i64'; v: bigint }
  | { t: 'bin'; v: Uint8Array }
  | { t: 'struct'; v: TField[] }
  | { t: 'list'; elem: 'i32' | 'bin' | 'struct'; v: TValue[] };
type TField = [id: number, value: TValue];

const TYPE_CODE = { i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

const i32 = (v: number): TValue => ({ t: 'i32', v });
const i64 = (v: number | bigint): TValue => ({ t: 'i64', v: BigInt(v) });
const str = (v: string): TValue => ({ t: 'bin', v: new TextEncoder().encode(v) });
const struct = (...v: TField[]): TValue => ({ t: 'struct', v });
const list = (elem: 'i32' | 'bin' | 'struct', v: TValue[]): TValue => ({ t: 'list', elem, v });

class ByteSink {
  private chunks: number[] = [];

  byte(b: number): void {
    this.chunks.push(b & 0xff);
  }

  varint(n: bigint): void {
    let x = n;
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }

  bytes(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function writeValue(sink: ByteSink, value: TValue): void {
  switch (value.t) {
    case 'i32':
      sink.zigzag(BigInt(value.v));
      break;
    case 'i64':
      sink.zigzag(value.v);
      break;
    case 'bin':
      sink.varint(BigInt(value.v.length));
      sink.bytes(value.v);
      break;
    case 'struct': {
      let last = 0;
      for (const [id, field] of value.v) {
        const delta = id - last;
        const code = TYPE_CODE[field.t];
        if (delta > 0 && delta <= 15) sink.byte((delta << 4) | code);
        else {
          sink.byte(code);
          sink.zigzag(BigInt(id));
        }
        writeValue(sink, field);
        last = id;
      }
      sink.byte(0); // STOP
      break;
    }
    case 'list': {
      const code = TYPE_CODE[value.elem];
      if (value.v.length < 15) sink.byte((value.v.length << 4) | code);
      else {
        sink.byte(0xf0 | code);
        sink.varint(BigInt(value.v.length));
      }
      for (const item of value.v) writeValue(sink, item);
      break;
    }
  }
}

function thrift(value: TValue): Uint8Array {
  const sink = new ByteSink();
  writeValue(sink, value);
  return sink.toBytes();
}

// ---- Columns → leaves with repetition and definition levels (Dremel encoding) ----

type Scalar = string | number | bigint;
interface Leaf {
  path: string[];
  type: keyof typeof PARQUET_TYPE;
  maxRep: number;
  maxDef: number;
  rep: number[];
  def: number[];
  values: Scalar[];
  /** Index into rep/def where each row starts, so row groups can be cut. */
  rowStarts: number[];
}

function leavesOf(column: ParquetTestColumn): Leaf[] {
  const leaf = (path: string[], type: Leaf['type'], maxRep: number, maxDef: number): Leaf => ({
    path,
    type,
    maxRep,
    maxDef,
    rep: [],
    def: [],
    values: [],
    rowStarts: [],
  });
  if (column.type === 'string' || column.type === 'double' || column.type === 'int64') {
    const l = leaf([column.name], column.type, 0, 1);
    for (const v of column.values) {
      l.rowStarts.push(l.def.length);
      l.rep.push(0);
      l.def.push(v === null ? 0 : 1);
      if (v !== null) l.values.push(v);
    }
    return [l];
  }
  // name (OPTIONAL, LIST) → list (REPEATED) → element (OPTIONAL) [→ field (OPTIONAL)]
  const fields = column.type === 'string-list' ? [undefined] : column.fields;
  const maxDef = column.type === 'string-list' ? 3 : 4;
  return fields.map((field) => {
    const l = leaf(
      field === undefined ? [column.name, 'list', 'element'] : [column.name, 'list', 'element', field],
      'string',
      1,
      maxDef,
    );
    for (const row of column.values) {
      l.rowStarts.push(l.def.length);
      if (row === null || row.length === 0) {
        l.rep.push(0);
        l.def.push(row === null ? 0 : 1);
        continue;
      }
      row.forEach((item, i) => {
        l.rep.push(i === 0 ? 0 : 1);
        const value =
          field === undefined ? (item as unknown as string | null) : (item as Record<string, string>)[field];
        if (value === null || value === undefined) l.def.push(maxDef - 1);
        else {
          l.def.push(maxDef);
          l.values.push(value);
        }
      });
    }
    return l;
  });
}

function schemaOf(column: ParquetTestColumn): TValue[] {
  if (column.type === 'string' || column.type === 'double' || column.type === 'int64')
    return [leafSchema(column.name, column.type)];
  const out = [
    struct([3, i32(OPTIONAL)], [4, str(column.name)], [5, i32(1)], [6, i32(CONVERTED_LIST)]),
    struct([3, i32(REPEATED)], [4, str('list')], [5, i32(1)]),
  ];
  if (column.type === 'string-list') out.push(leafSchema('element', 'string'));
  else
    out.push(
      struct([3, i32(OPTIONAL)], [4, str('element')], [5, i32(column.fields.length)]),
      ...column.fields.map((f) => leafSchema(f, 'string')),
    );
  return out;
}

function leafSchema(name: string, type: keyof typeof PARQUET_TYPE): TValue {
  const fields: TField[] = [
    [1, i32(PARQUET_TYPE[type])],
    [3, i32(OPTIONAL)],
    [4, str(name)],
  ];
  if (type === 'string') fields.push([6, i32(CONVERTED_UTF8)]);
  return struct(...fields);
}

// ---- Pages ----

/** Levels as an RLE/bit-packed hybrid (RLE runs only), with its 4-byte length prefix. */
function levels(values: number[], maxLevel: number): Uint8Array {
  const width = Math.ceil(Math.log2(maxLevel + 1));
  const sink = new ByteSink();
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    sink.varint(BigInt(j - i) << 1n); // RLE run header: count << 1, low bit 0
    for (let b = 0; b < Math.ceil(width / 8); b++) sink.byte(values[i]! >> (8 * b));
    i = j;
  }
  const body = sink.toBytes();
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

function plainValues(type: Leaf['type'], values: Scalar[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const v of values) {
    if (type === 'string') {
      const text = new TextEncoder().encode(v as string);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, text.length, true);
      parts.push(len, text);
    } else {
      const b = new Uint8Array(8);
      const view = new DataView(b.buffer);
      if (type === 'double') view.setFloat64(0, v as number, true);
      else view.setBigInt64(0, v as bigint, true);
      parts.push(b);
    }
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Write the columns (all the same number of rows) as a Parquet file. */
export function writeParquet(columns: ParquetTestColumn[], options: WriteParquetOptions = {}): Uint8Array {
  const rows = columns[0]?.values.length ?? 0;
  for (const c of columns)
    if (c.values.length !== rows) throw new Error(`column ${c.name} has ${c.values.length} rows, expected ${rows}`);
  const leaves = columns.flatMap(leavesOf);
  const groupSize = Math.max(1, options.rowGroupSize ?? rows);
  const codecName = options.codec ?? 'UNCOMPRESSED';
  const codec = CODECS[codecName];
  const parts: Uint8Array[] = [new TextEncoder().encode('PAR1')];
  let offset = 4;
  const rowGroups: TValue[] = [];
  for (let from = 0; from < rows || (rows === 0 && from === 0); from += groupSize) {
    const to = Math.min(rows, from + groupSize);
    const chunks: TValue[] = [];
    let groupBytes = 0;
    for (const leaf of leaves) {
      const a = leaf.rowStarts[from] ?? 0;
      const b = to < rows ? leaf.rowStarts[to]! : leaf.def.length;
      const def = leaf.def.slice(a, b);
      const valuesBefore = leaf.def.slice(0, a).filter((d) => d === leaf.maxDef).length;
      const present = def.filter((d) => d === leaf.maxDef).length;
      const pageParts = [];
      if (leaf.maxRep > 0) pageParts.push(levels(leaf.rep.slice(a, b), leaf.maxRep));
      pageParts.push(
        levels(def, leaf.maxDef),
        plainValues(leaf.type, leaf.values.slice(valuesBefore, valuesBefore + present)),
      );
      const raw = concat(pageParts);
      const page = compress(codecName, raw);
      const header = thrift(
        struct(
          [1, i32(PAGE_DATA)],
          [2, i32(raw.length)],
          [3, i32(page.length)],
          [5, struct([1, i32(b - a)], [2, i32(ENCODING_PLAIN)], [3, i32(ENCODING_RLE)], [4, i32(ENCODING_RLE)])],
        ),
      );
      const chunkOffset = offset;
      const chunkSize = header.length + page.length;
      parts.push(header, page);
      offset += chunkSize;
      groupBytes += chunkSize;
      chunks.push(
        struct(
          [2, i64(chunkOffset)],
          [
            3,
            struct(
              [1, i32(PARQUET_TYPE[leaf.type])],
              [2, list('i32', [i32(ENCODING_PLAIN), i32(ENCODING_RLE)])],
              [3, list('bin', leaf.path.map(str))],
              [4, i32(codec)],
              [5, i64(b - a)],
              [6, i64(chunkSize)],
              [7, i64(chunkSize)],
              [9, i64(chunkOffset)],
            ),
          ],
        ),
      );
    }
    rowGroups.push(
      struct([1, list('struct', chunks)], [2, i64(groupBytes)], [3, i64(options.footerRows ?? to - from)]),
    );
    if (rows === 0) break;
  }
  const schema: TValue[] = [struct([4, str('schema')], [5, i32(columns.length)]), ...columns.flatMap(schemaOf)];
  const footer = thrift(
    struct(
      [1, i32(1)],
      [2, list('struct', schema)],
      [3, i64(options.footerRows ?? rows)],
      [4, list('struct', rowGroups)],
      [6, str('phased-ift-studio test writer')],
    ),
  );
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(new TextEncoder().encode('PAR1'), 4);
  parts.push(footer, tail);
  return concat(parts);
}
