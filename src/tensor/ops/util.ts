// Helpers shared by front-end ops: compute type selection, widening, output construction.
import type { FloatArray, Storage } from '../dtype.js';
import { toFloatArray } from '../dtype.js';
import { Tensor } from '../tensor.js';
import type { Shape } from '../shape.js';

export type ComputeType = 'f32' | 'f64';

/** f64 when any input is f64 (gradient checks), f32 otherwise. */
export function computeType(...ts: readonly (Tensor | null | undefined)[]): ComputeType {
  for (const t of ts) if (t && t.dtype === 'f64') return 'f64';
  return 'f32';
}

/** The tensor's values as a float array of the compute type (no copy when it already is one). */
export function floats(t: Tensor, ct: ComputeType): FloatArray {
  if (t.dtype === ct) return t.data as FloatArray;
  if (t.dtype === 'i32') throw new Error(`expected a float tensor, got i32 ${t}`);
  return toFloatArray(t.data, t.dtype, ct);
}

/** Wraps a kernel result as a tensor; the dtype follows the array type. */
export function wrap(data: Storage, shape: Shape): Tensor {
  const dtype = data instanceof Float64Array ? 'f64' : data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : null;
  if (!dtype) throw new Error('internal: wrap() needs an f32, f64 or i32 array');
  return new Tensor(data, shape, dtype);
}

export function assertTensor(t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.disposed) throw new Error(`${what} was disposed`);
}
