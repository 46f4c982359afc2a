// Reference rotary embedding, rotate-half convention (Hugging Face): within each head the pairs
// (i, i + rotaryDim/2) turn by angle pos·invFreq[i]; features past rotaryDim pass through.
import type { Kernels } from '../kernels.js';
import { allocLike } from './util.js';

export const rope: Kernels['rope'] = (x, batch, t, heads, d, rotaryDim, positions, invFreq, inverse) => {
  const out = allocLike(x, x.length);
  out.set(x);
  const half = rotaryDim >> 1;
  // On f32 data the angle is rounded to f32 as Hugging Face computes it (inv_freq · position in
  // float32); cos/sin of that angle are then exact to f32. f64 data keeps the exact angle.
  const f32 = x instanceof Float32Array;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  const sign = inverse ? -1 : 1;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < t; s++) {
      const pos = positions[b * t + s]!;
      for (let i = 0; i < half; i++) {
        const a = f32 ? Math.fround(pos * invFreq[i]!) : pos * invFreq[i]!;
        cos[i] = Math.cos(a);
        sin[i] = sign * Math.sin(a);
      }
      for (let h = 0; h < heads; h++) {
        const o = ((b * t + s) * heads + h) * d;
        for (let i = 0; i < half; i++) {
          const x1 = x[o + i]!;
          const x2 = x[o + i + half]!;
          out[o + i] = x1 * cos[i]! - x2 * sin[i]!;
          out[o + i + half] = x2 * cos[i]! + x1 * sin[i]!;
        }
      }
    }
  }
  return out;
};

export const ropeKernels: Partial<Kernels> = { rope };
