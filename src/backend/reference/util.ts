// Small helpers shared by the reference kernels.
import type { FloatArray, Storage, DType } from '../../tensor/dtype.js';
import { bf16BitsToF32, f16BitsToF32 } from '../../tensor/dtype.js';
import { allocF32, allocF64 } from '../../tensor/pool.js';

/** A new zeroed array of the same float type as `like`. */
export function allocLike(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? allocF64(n) : allocF32(n);
}

/** A new zeroed array of the same storage type as `like`. */
export function allocStorageLike(like: Storage, n: number): Storage {
  return new (like.constructor as new (n: number) => Storage)(n);
}

/** Element reader for a storage array of a given dtype (widens half types). */
export function reader(data: Storage, dtype: DType): (i: number) => number {
  if (dtype === 'bf16') return (i) => bf16BitsToF32(data[i]!);
  if (dtype === 'f16') return (i) => f16BitsToF32(data[i]!);
  return (i) => data[i]!;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
