// Native adapter for matmul (native/src/gemm.cc): f32 A, f32/bf16/f16 B, f32 output allocated
// here and filled by the addon. f64 operands never reach this adapter (the registry routes them
// to the reference backend).
import type { GatedLinearArgs, Kernels, LinearManyArgs, MatmulArgs, UnaryOp } from '../kernels.js';
import type { DType, FloatArray, Storage } from '../../tensor/dtype.js';
import type { NativeAddon } from './kernels.js';
import { allocF32 } from '../../tensor/pool.js';

type NativeMatmul = (
  a: Float32Array, b: Float32Array | Uint16Array, out: Float32Array,
  batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
  aBatchStride: number, bBatchStride: number, bDtype: number,
) => void;

type NativeMatmulMany = (
  x: Float32Array, ws: (Float32Array | Uint16Array)[], outs: Float32Array[], m: number, k: number, ns: number[], bDtypes: number[],
) => void;

type NativeGatedLinear = (
  x: Float32Array, wg: Float32Array | Uint16Array, wu: Float32Array | Uint16Array, out: Float32Array,
  m: number, k: number, n: number, gDtype: number, uDtype: number, act: number,
) => void;

// The addon's unary op codes (eltwise.cc) for the activations a gated MLP uses.
const ACT_CODES: Partial<Record<UnaryOp, number>> = { relu: 10, silu: 11, gelu: 12, gelu_erf: 13 };

const DTYPE_CODE: Partial<Record<DType, number>> = { f32: 0, bf16: 1, f16: 2 };

function codeOf(bDtype: DType, b: Storage): number {
  const code = DTYPE_CODE[bDtype];
  if (code === undefined) throw new Error(`matmul (native): B dtype ${bDtype} is not supported (f32, bf16 or f16)`);
  if (!(code === 0 ? b instanceof Float32Array : b instanceof Uint16Array)) {
    throw new Error(`matmul (native): B storage ${b.constructor.name} does not hold ${bDtype}`);
  }
  return code;
}

export function wrapMatmul(addon: NativeAddon): Partial<Kernels> {
  const fn = addon['matmul'];
  if (typeof fn !== 'function') return {};
  const native = fn as NativeMatmul;
  const matmul = (a: FloatArray, b: Storage, args: MatmulArgs): FloatArray => {
    const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bDtype } = args;
    if (!(a instanceof Float32Array)) throw new Error(`matmul (native): A must be f32, got ${a.constructor.name}`);
    const code = codeOf(bDtype, b);
    // The kernel overwrites every element, so a recycled buffer needs no zeroing.
    const out = allocF32(batch * m * n, false);
    native(a, b as Float32Array | Uint16Array, out, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, code);
    return out;
  };
  const many = addon['matmulMany'];
  if (typeof many !== 'function') return { matmul };
  const nativeMany = many as NativeMatmulMany;
  const linearMany = (x: FloatArray, ws: readonly Storage[], args: LinearManyArgs): FloatArray[] => {
    const { m, k, ns, bDtypes } = args;
    if (!(x instanceof Float32Array)) throw new Error(`linearMany (native): x must be f32, got ${x.constructor.name}`);
    const codes = ws.map((w, i) => codeOf(bDtypes[i]!, w));
    const outs = ns.map((n) => allocF32(m * n, false));
    nativeMany(x, ws as (Float32Array | Uint16Array)[], outs, m, k, [...ns], codes);
    return outs;
  };
  const gated = addon['gatedLinear'];
  if (typeof gated !== 'function') return { matmul, linearMany };
  const nativeGated = gated as NativeGatedLinear;
  const gatedLinear = (x: FloatArray, wg: Storage, wu: Storage, args: GatedLinearArgs): FloatArray => {
    const { m, k, n, gDtype, uDtype, act } = args;
    const code = ACT_CODES[act];
    if (code === undefined) throw new Error(`gatedLinear (native): activation ${act} is not supported (relu, silu, gelu, gelu_erf)`);
    if (!(x instanceof Float32Array)) throw new Error(`gatedLinear (native): x must be f32, got ${x.constructor.name}`);
    const out = allocF32(m * n, false);
    nativeGated(x, wg as Float32Array | Uint16Array, wu as Float32Array | Uint16Array, out, m, k, n, codeOf(gDtype, wg), codeOf(uDtype, wu), code);
    return out;
  };
  return { matmul, linearMany, gatedLinear };
}
