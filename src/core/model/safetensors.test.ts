import { describe, expect, it } from 'vitest';
import { bfloat16Bytes, parseSafetensors, SafetensorsError, writeSafetensors } from './safetensors';

/** A file assembled by hand: header JSON (unpadded, as other writers may leave it) + raw data bytes. */
function handMade(header: unknown, data: number[] | Uint8Array, headerLengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLengthOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function le(values: number[], bytesEach: 2 | 4, float = false): number[] {
  const buf = new DataView(new ArrayBuffer(values.length * bytesEach));
  values.forEach((v, i) => {
    if (bytesEach === 2) buf.setUint16(2 * i, v, true);
    else if (float) buf.setFloat32(4 * i, v, true);
    else buf.setInt32(4 * i, v, true);
  });
  return [...new Uint8Array(buf.buffer)];
}

describe('safetensors round trip', () => {
  it('writes and reads F32 and I32 tensors with metadata, exactly', () => {
    const w = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i) * 1e3);
    const bytes = writeSafetensors(
      {
        'h.0.attn.c_attn.weight': { dtype: 'F32', shape: [2, 3], data: w },
        step: { dtype: 'I32', shape: [], data: Int32Array.of(-42) },
        empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      },
      { format: 'pt', note: 'ünïcode ✓' },
    );
    // Header padded to 8 bytes so data is aligned.
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect(file.entries.map((e) => e.name)).toEqual(['h.0.attn.c_attn.weight', 'step', 'empty']);
    const a = file.read('h.0.attn.c_attn.weight');
    expect(a).toMatchObject({ dtype: 'float32', storedAs: 'F32', shape: [2, 3] });
    expect(a.data).toEqual(w);
    expect(file.read('step')).toMatchObject({ dtype: 'int32', shape: [], data: Int32Array.of(-42) });
    expect(file.read('empty').data.length).toBe(0);
    expect(file.has('step')).toBe(true);
    expect(file.has('nope')).toBe(false);
  });

  it('reads from a view into a larger buffer (byteOffset ≠ 0)', () => {
    const bytes = writeSafetensors({ x: { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) } });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect([...parseSafetensors(big.subarray(3)).read('x').data]).toEqual([1, 2, 3]);
  });

  it('writes a file with no tensors and no metadata', () => {
    const file = parseSafetensors(writeSafetensors({}));
    expect(file.entries).toEqual([]);
    expect(file.metadata).toEqual({});
  });
});

describe('safetensors from hand-made bytes', () => {
  it('reads F32 from an unpadded header', () => {
    const file = parseSafetensors(
      handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, le([0.5, -2], 4, true)),
    );
    expect([...file.read('w').data]).toEqual([0.5, -2]);
  });

  it('widens F16 to F32 (normal, subnormal, max, infinity, negative zero)', () => {
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x3555];
    const file = parseSafetensors(handMade({ h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] } }, le(halves, 2)));
    const v = file.read('h');
    expect(v.dtype).toBe('float32');
    expect(v.storedAs).toBe('F16');
    expect([...v.data.slice(0, 3)]).toEqual([1, -2, 65504]);
    expect(v.data[3]).toBeCloseTo(5.960464477539063e-8, 15);
    expect(v.data[4]).toBe(Infinity);
    expect(Object.is(v.data[5], -0)).toBe(true);
    expect(v.data[6]).toBeCloseTo(0.33325, 5);
  });

  it('widens BF16 to F32', () => {
    const file = parseSafetensors(
      handMade({ b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, le([0x3f80, 0xc040, 0x4049], 2)),
    );
    const v = file.read('b');
    expect(v.data[0]).toBe(1);
    expect(v.data[1]).toBe(-3);
    expect(v.data[2]).toBeCloseTo(3.140625, 6);
  });

  it('reads I32 and I64, and F64 and U8', () => {
    const i64 = new DataView(new ArrayBuffer(16));
    i64.setBigInt64(0, -5n, true);
    i64.setBigInt64(8, 2147483647n, true);
    const f64 = new DataView(new ArrayBuffer(8));
    f64.setFloat64(0, Math.PI, true);
    const data = [...le([7, -8], 4), ...new Uint8Array(i64.buffer), ...new Uint8Array(f64.buffer), 200];
    const file = parseSafetensors(
      handMade(
        {
          __metadata__: { format: 'pt' },
          a: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'I64', shape: [2, 1], data_offsets: [8, 24] },
          c: { dtype: 'F64', shape: [], data_offsets: [24, 32] },
          d: { dtype: 'U8', shape: [1], data_offsets: [32, 33] },
        },
        data,
      ),
    );
    expect([...file.read('a').data]).toEqual([7, -8]);
    expect(file.read('b')).toMatchObject({
      dtype: 'int32',
      storedAs: 'I64',
      shape: [2, 1],
      data: Int32Array.of(-5, 2147483647),
    });
    expect(file.read('c').data[0]).toBeCloseTo(Math.PI, 6);
    expect([...file.read('d').data]).toEqual([200]);
  });

  it('ignores the order of entries in the header', () => {
    const file = parseSafetensors(
      handMade(
        {
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        },
        le([1, 2], 4, true),
      ),
    );
    expect(file.read('a').data[0]).toBe(1);
    expect(file.read('b').data[0]).toBe(2);
  });
});

describe('safetensors errors', () => {
  const entry = (over: Record<string, unknown> = {}) => ({
    w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...over },
  });
  const data8 = le([1, 2], 4, true);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', () => new Uint8Array(5), /Truncated.*5 bytes/],
    [
      'a header length beyond the file',
      () => handMade(entry(), data8, 10_000),
      /Header length says 10000 bytes but only \d+ follow/,
    ],
    ['a header that is not JSON', () => handMade('{"w": nope', []), /not valid UTF-8 JSON/],
    ['a header that is not an object', () => handMade('[1, 2]', []), /must be a JSON object/],
    ['an unknown dtype', () => handMade(entry({ dtype: 'F12' }), data8), /Tensor "w": unknown dtype "F12"/],
    [
      'a bad shape',
      () => handMade(entry({ shape: [2, -1] }), data8),
      /shape must be an array of non-negative integers/,
    ],
    ['malformed offsets', () => handMade(entry({ data_offsets: [0] }), data8), /data_offsets must be \[begin, end\]/],
    [
      'offsets that end before they begin',
      () => handMade(entry({ data_offsets: [8, 0] }), data8),
      /end before they begin/,
    ],
    ['offsets beyond the data', () => handMade(entry({ data_offsets: [4, 12] }), data8), /reach past the 8 data bytes/],
    [
      'a shape that does not match the bytes',
      () => handMade(entry({ shape: [3] }), data8),
      /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'overlapping tensors',
      () =>
        handMade(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          data8,
        ),
      /"a" \[0,8\] and "b" \[4,8\] overlap/,
    ],
    [
      'non-string metadata',
      () => handMade({ __metadata__: { step: 3 }, ...entry() }, data8),
      /__metadata__.step must be a string/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(`explains ${what}`, () => {
      expect(make).not.toThrow();
      expect(() => parseSafetensors(make())).toThrow(SafetensorsError);
      expect(() => parseSafetensors(make())).toThrow(message);
    });
  }

  it('explains a missing tensor, an unreadable dtype and an I64 outside int32', () => {
    const big = new DataView(new ArrayBuffer(8));
    big.setBigInt64(0, 1n << 40n, true);
    const file = parseSafetensors(
      handMade(
        {
          f8: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] },
          big: { dtype: 'I64', shape: [1], data_offsets: [1, 9] },
        },
        [0, ...new Uint8Array(big.buffer)],
      ),
    );
    expect(() => file.read('missing')).toThrow(/No tensor named "missing"/);
    expect(() => file.read('f8')).toThrow(/reading F8_E4M3 is not supported/);
    expect(() => file.read('big')).toThrow(/I64 value 1099511627776 at index 0 does not fit in int32/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\] has 3 elements but the data has 2/,
    );
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Int32Array(2) } })).toThrow(
      /needs a Float32Array/,
    );
    expect(() => writeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } })).toThrow(
      /reserved/,
    );
  });
});

describe('writing bfloat16', () => {
  it('rounds to nearest, ties to even, as torch does, and reads back as those values', () => {
    const values = [1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -2.5, 3e38, Number.NaN];
    // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: to the even 1. 1 + 3·2⁻⁸ is halfway to the even 1 + 2⁻⁶.
    const expected = [0x3f80, 0x3f80, 0x3f82, 0x3f81, 0xc020];
    const bytes = bfloat16Bytes(Float32Array.from(values));
    const view = new DataView(bytes.buffer);
    expected.forEach((bits, i) => expect(view.getUint16(2 * i, true), `${values[i]}`).toBe(bits));
    const file = parseSafetensors(
      writeSafetensors({ t: { dtype: 'BF16', shape: [values.length], data: Float32Array.from(values) } }),
    );
    expect(file.entry('t').dtype).toBe('BF16');
    const back = file.read('t').data;
    expect([...back.slice(0, 5)]).toEqual([1, 1, 1 + 2 ** -6, 1 + 2 ** -7, -2.5]);
    expect(back[5]).toBeCloseTo(3e38, -36);
    expect(Number.isNaN(back[6])).toBe(true);
  });
});
