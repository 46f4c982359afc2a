// Data types. f32 is the compute type; f64 exists for the reference backend's gradient checks;
// bf16 and f16 are storage types for weights (kept as loaded, read directly by matmul and gather);
// i32 holds token ids and positions.

export type DType = 'f32' | 'f64' | 'bf16' | 'f16' | 'i32';
export type FloatArray = Float32Array | Float64Array;
export type Storage = Float32Array | Float64Array | Uint16Array | Int32Array;

export const DTYPES: readonly DType[] = ['f32', 'f64', 'bf16', 'f16', 'i32'];

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'f64':
      return 8;
    case 'f32':
    case 'i32':
      return 4;
    case 'bf16':
    case 'f16':
      return 2;
  }
}

export function isFloatCompute(dtype: DType): dtype is 'f32' | 'f64' {
  return dtype === 'f32' || dtype === 'f64';
}

export function isHalf(dtype: DType): dtype is 'bf16' | 'f16' {
  return dtype === 'bf16' || dtype === 'f16';
}

export function allocStorage(dtype: DType, n: number): Storage {
  switch (dtype) {
    case 'f32':
      return new Float32Array(n);
    case 'f64':
      return new Float64Array(n);
    case 'bf16':
    case 'f16':
      return new Uint16Array(n);
    case 'i32':
      return new Int32Array(n);
  }
}

/** The dtype a storage array holds, where the array type decides it (half types need a hint). */
export function storageMatches(dtype: DType, data: Storage): boolean {
  switch (dtype) {
    case 'f32':
      return data instanceof Float32Array;
    case 'f64':
      return data instanceof Float64Array;
    case 'bf16':
    case 'f16':
      return data instanceof Uint16Array;
    case 'i32':
      return data instanceof Int32Array;
  }
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** f32 → bf16 bits, round to nearest even; NaN stays a quiet NaN. */
export function f32ToBf16Bits(x: number): number {
  f32buf[0] = x;
  const u = u32buf[0]!;
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x007fffff) !== 0) return ((u >>> 16) | 0x0040) & 0xffff;
  const rounding = 0x7fff + ((u >>> 16) & 1);
  return ((u + rounding) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32buf[0] = (h & 0xffff) << 16;
  return f32buf[0]!;
}

/** f32 → IEEE half bits, round to nearest even, overflow to ±Inf, subnormals kept. */
export function f32ToF16Bits(x: number): number {
  f32buf[0] = x;
  const u = u32buf[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  const rem = mant & 0x1fff;
  let r = (e << 10) | (mant >>> 13);
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Widens any storage to a float array of the given compute type (copy). */
export function toFloatArray(data: Storage, dtype: DType, target: 'f32' | 'f64' = 'f32'): FloatArray {
  const n = data.length;
  const out = target === 'f64' ? new Float64Array(n) : new Float32Array(n);
  if (dtype === 'bf16') for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(data[i]!);
  else if (dtype === 'f16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(data[i]!);
  else out.set(data);
  return out;
}

/** Narrows numbers to a storage dtype (rounding to nearest even for half types). */
export function fromNumbers(values: ArrayLike<number>, dtype: DType): Storage {
  const n = values.length;
  const out = allocStorage(dtype, n);
  if (dtype === 'bf16') for (let i = 0; i < n; i++) out[i] = f32ToBf16Bits(values[i]!);
  else if (dtype === 'f16') for (let i = 0; i < n; i++) out[i] = f32ToF16Bits(values[i]!);
  else if (dtype === 'i32') {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v)) throw new Error(`i32 tensor: value ${v} at index ${i} is not an integer`);
      out[i] = v;
    }
  } else (out as FloatArray).set(values);
  return out;
}
