/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then the raw
 * little-endian tensor bytes, offsets relative to the end of the header.
 *
 * Reading: every entry is validated up front (dtype, shape, offsets inside the data, no overlaps, byte size
 * = elements · item size); values are decoded on demand, floats widened to Float32Array (F16, BF16, F64 included,
 * since tfjs-webgpu has no float16), integers to Int32Array (range-checked). Writing: F32 and I32.
 */

export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F16', 'BF16', 'F32', 'F64']);
const INT_DTYPES = new Set<SafetensorsDtype>(['BOOL', 'U8', 'I8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64']);

/** The Rust reference refuses headers above 100 MB; so do we, before trying to parse one. */
const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Offsets relative to the start of the data section, as in the header. */
  dataOffsets: [number, number];
}

export interface DecodedTensor {
  /** What the values were widened to: float dtypes → 'float32', integer dtypes → 'int32'. */
  dtype: 'float32' | 'int32';
  /** The dtype stored in the file. */
  storedAs: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In header order. */
  entries: SafetensorsEntry[];
  has(name: string): boolean;
  entry(name: string): SafetensorsEntry;
  /** Decodes one tensor; throws for a dtype we cannot widen (F8) or an integer out of int32 range. */
  read(name: string): DecodedTensor;
}

export interface TensorToWrite {
  /** 'BF16': float32 data written as bfloat16, rounded to nearest even (as torch's `.to(torch.bfloat16)`). */
  dtype: 'F32' | 'I32' | 'BF16';
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

// ───────────────────────────── reading ─────────────────────────────

/** Parses and validates the header; tensor bytes are decoded lazily by `read`. `bytes` is not copied. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `Truncated safetensors file: ${bytes.length} bytes, but the header length alone takes 8.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      `Header length says ${headerLength} bytes but only ${bytes.length - 8} follow: the file is truncated or not safetensors.`,
    );
  }
  const n = Number(headerLength);
  if (n > MAX_HEADER_BYTES)
    throw new SafetensorsError(`Header of ${n} bytes is larger than the 100 MB safetensors allows.`);
  if (n < 2) throw new SafetensorsError(`Header of ${n} bytes cannot hold a JSON object.`);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw new SafetensorsError(`Header is not valid UTF-8 JSON (${(e as Error).message}).`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('Header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}.');
  }

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError('__metadata__ must be an object of string values.');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} must be a string, got ${typeof v}.`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(validateEntry(name, raw, dataLength));
  }

  // No two tensors may share bytes.
  const byStart = entries
    .filter((e) => e.dataOffsets[1] > e.dataOffsets[0])
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let i = 1; i < byStart.length; i++) {
    const prev = byStart[i - 1]!;
    const cur = byStart[i]!;
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new SafetensorsError(
        `Tensors "${prev.name}" [${prev.dataOffsets}] and "${cur.name}" [${cur.dataOffsets}] overlap in the data section.`,
      );
    }
  }

  const byName = new Map(entries.map((e) => [e.name, e]));
  const entry = (name: string): SafetensorsEntry => {
    const e = byName.get(name);
    if (e === undefined) throw new SafetensorsError(`No tensor named "${name}" in this safetensors file.`);
    return e;
  };
  return {
    metadata,
    entries,
    has: (name) => byName.has(name),
    entry,
    read: (name) => decode(entry(name), bytes.subarray(dataStart)),
  };
}

function validateEntry(name: string, raw: unknown, dataLength: number): SafetensorsEntry {
  const where = `Tensor "${name}"`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`${where}: header entry must be an object {dtype, shape, data_offsets}.`);
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.dtype !== 'string' || !Object.hasOwn(ITEM_SIZE, r.dtype)) {
    throw new SafetensorsError(
      `${where}: unknown dtype ${JSON.stringify(r.dtype)}; expected one of ${Object.keys(ITEM_SIZE).join(', ')}.`,
    );
  }
  const dtype = r.dtype as SafetensorsDtype;
  if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new SafetensorsError(
      `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(r.shape)}.`,
    );
  }
  const shape = r.shape as number[];
  const offsets = r.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  ) {
    throw new SafetensorsError(
      `${where}: data_offsets must be [begin, end] byte offsets, got ${JSON.stringify(offsets)}.`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] end before they begin.`);
  if (end > dataLength) {
    throw new SafetensorsError(
      `${where}: data_offsets [${begin}, ${end}] reach past the ${dataLength} data bytes in the file (truncated download?).`,
    );
  }
  const expected = sizeOf(shape) * ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    throw new SafetensorsError(
      `${where}: shape ${describeShape(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}.`,
    );
  }
  return { name, dtype, shape: [...shape], dataOffsets: [begin, end] };
}

/** IEEE 754 half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal (and ±0)
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Element i of an integer tensor, as a number or (64-bit) a bigint. */
function intReader(dtype: SafetensorsDtype, view: DataView): (i: number) => number | bigint {
  switch (dtype) {
    case 'BOOL':
    case 'U8':
      return (i) => view.getUint8(i);
    case 'I8':
      return (i) => view.getInt8(i);
    case 'I16':
      return (i) => view.getInt16(2 * i, true);
    case 'U16':
      return (i) => view.getUint16(2 * i, true);
    case 'I32':
      return (i) => view.getInt32(4 * i, true);
    case 'U32':
      return (i) => view.getUint32(4 * i, true);
    case 'I64':
      return (i) => view.getBigInt64(8 * i, true);
    case 'U64':
      return (i) => view.getBigUint64(8 * i, true);
    default:
      throw new SafetensorsError(`${dtype} is not an integer dtype.`);
  }
}

function decode(e: SafetensorsEntry, data: Uint8Array): DecodedTensor {
  const [begin, end] = e.dataOffsets;
  const n = sizeOf(e.shape);
  const slice = data.subarray(begin, end);
  const view = new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
  const shape = [...e.shape];
  if (FLOAT_DTYPES.has(e.dtype)) {
    let out: Float32Array;
    if (e.dtype === 'F32') {
      // A byte copy is far faster than 124M DataView reads; DataView only where the host is big-endian.
      out = LITTLE_ENDIAN_HOST
        ? new Float32Array(slice.slice().buffer)
        : Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    } else {
      out = new Float32Array(n);
      if (e.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      else if (e.dtype === 'BF16') {
        // bfloat16 is the top half of a float32: shift it back into place.
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      } else for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
    }
    return { dtype: 'float32', storedAs: e.dtype, shape, data: out };
  }
  if (INT_DTYPES.has(e.dtype)) {
    const out = new Int32Array(n);
    const read = intReader(e.dtype, view);
    for (let i = 0; i < n; i++) {
      const v = read(i);
      if (v < -2147483648 || v > 2147483647) {
        throw new SafetensorsError(`Tensor "${e.name}": ${e.dtype} value ${v} at index ${i} does not fit in int32.`);
      }
      out[i] = Number(v);
    }
    return { dtype: 'int32', storedAs: e.dtype, shape, data: out };
  }
  throw new SafetensorsError(
    `Tensor "${e.name}": reading ${e.dtype} is not supported (floats are read from F16, BF16, F32, F64).`,
  );
}

// ───────────────────────────── writing ─────────────────────────────

/**
 * float32 values as little-endian bfloat16, rounded to nearest even as torch rounds (the top 16 bits of the float32
 * after adding 0x7FFF plus the lowest kept bit); NaN stays a quiet NaN.
 */
export function bfloat16Bytes(data: Float32Array): Uint8Array {
  const bits = new Uint32Array(Float32Array.from(data).buffer);
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    const half = Number.isNaN(data[i]!) ? 0x7fc0 : ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    view.setUint16(2 * i, half, true);
  }
  return out;
}

/**
 * Serialises `tensors` in the given order. The header is padded with spaces to a multiple of 8 bytes (as the
 * reference writer does) so every tensor's data stays aligned for zero-copy readers.
 */
export function writeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`Metadata "${k}" must be a string, got ${typeof v}.`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: { bytes: Uint8Array; at: number }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor.');
    const expectedType =
      t.dtype === 'F32' || t.dtype === 'BF16' ? Float32Array : t.dtype === 'I32' ? Int32Array : undefined;
    if (expectedType === undefined)
      throw new SafetensorsError(
        `Tensor "${name}": writing dtype ${String(t.dtype)} is not supported (F32, BF16, I32).`,
      );
    if (!(t.data instanceof expectedType)) {
      throw new SafetensorsError(
        `Tensor "${name}": dtype ${t.dtype} needs a ${expectedType.name}, got ${t.data.constructor.name}.`,
      );
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(
        `Tensor "${name}": shape must be non-negative integers, got ${JSON.stringify(t.shape)}.`,
      );
    }
    if (sizeOf(t.shape) !== t.data.length) {
      throw new SafetensorsError(
        `Tensor "${name}": shape ${describeShape(t.shape)} has ${sizeOf(t.shape)} elements but the data has ${t.data.length}.`,
      );
    }
    const bytes = t.dtype === 'BF16' ? bfloat16Bytes(t.data as Float32Array) : new Uint8Array(t.data.length * 4);
    if (t.dtype === 'BF16') {
      /* bfloat16Bytes wrote them */
    } else if (LITTLE_ENDIAN_HOST) bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes.length));
    else {
      const view = new DataView(bytes.buffer);
      t.data.forEach((v, i) => (t.dtype === 'F32' ? view.setFloat32(4 * i, v, true) : view.setInt32(4 * i, v, true)));
    }
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push({ bytes, at: offset });
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    json += ' '.repeat(padded - headerBytes.length);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  for (const p of parts) out.set(p.bytes, 8 + headerBytes.length + p.at);
  return out;
}
