// Native adapters for fused attention (see native/src/attention.cc). f32 only: the registry sends
// f64 data to the reference.
import type { AttentionDims, Kernels } from '../kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import type { NativeAddon } from './kernels.js';
import { allocF32 } from '../../tensor/pool.js';

type Forward = (q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, maskBatch: number, dims: Float64Array, out: Float32Array, lse: Float32Array) => void;
type Backward = (
  q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, maskBatch: number, dims: Float64Array,
  out: Float32Array, lse: Float32Array, gOut: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array,
) => void;

// One array reused by every call (the addon reads it before returning): allocating a fresh
// one per call costs microseconds, once per layer per decoded token.
const dimsBuf = new Float64Array(12);

/** The addon reads the dimensions from one array (order fixed in attention.cc's problemFrom). */
function packDims(d: AttentionDims): Float64Array {
  dimsBuf.set([d.batch, d.tq, d.tk, d.hq, d.hkv, d.d, d.dv, d.scale, d.causal ? 1 : 0, d.qOffset, d.window, d.softcap]);
  return dimsBuf;
}

function f32(x: FloatArray, what: string): Float32Array {
  if (!(x instanceof Float32Array)) throw new Error(`attention (native): ${what} must be f32`);
  return x;
}

export function wrapAttention(addon: NativeAddon): Partial<Kernels> {
  const fwd = addon.attentionForwardF32 as Forward | undefined;
  const bwd = addon.attentionBackwardF32 as Backward | undefined;
  const k: Partial<Kernels> = {};
  if (fwd) {
    k.attention = (q, kk, v, mask, maskBatch, dims) => {
      const out = allocF32(dims.batch * dims.tq * dims.hq * dims.dv);
      const lse = allocF32(dims.batch * dims.hq * dims.tq);
      fwd(f32(q, 'q'), f32(kk, 'k'), f32(v, 'v'), mask ? f32(mask, 'mask') : null, maskBatch, packDims(dims), out, lse);
      return { out, lse };
    };
  }
  if (bwd) {
    k.attentionBackward = (q, kk, v, mask, maskBatch, out, lse, gOut, dims) => {
      const dq = allocF32(q.length);
      const dk = allocF32(kk.length);
      const dv = allocF32(v.length);
      bwd(f32(q, 'q'), f32(kk, 'k'), f32(v, 'v'), mask ? f32(mask, 'mask') : null, maskBatch, packDims(dims), f32(out, 'out'), f32(lse, 'lse'), f32(gOut, 'gOut'), dq, dk, dv);
      return { dq, dk, dv };
    };
  }
  return k;
}
