// Reference reductions over the middle axis of [outer, dim, inner], and broadcasting expansion.
import type { Kernels } from '../kernels.js';
import { allocLike, stridesOf } from './util.js';

export const reduce: Kernels['reduce'] = (op, x, outer, dim, inner) => {
  const out = allocLike(x, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let d = 0; d < dim; d++) {
        const v = x[base + d * inner]!;
        if (op === 'sum') acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + i] = acc;
    }
  }
  return out;
};

export const reduceMaxBackward: Kernels['reduceMaxBackward'] = (x, g, outer, dim, inner) => {
  const out = allocLike(x, x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let best = 0;
      for (let d = 1; d < dim; d++) if (x[base + d * inner]! > x[base + best * inner]!) best = d;
      out[base + best * inner] = g[o * inner + i]!;
    }
  }
  return out;
};

export const expand: Kernels['expand'] = (x, xShape, outShape) => {
  let n = 1;
  for (const d of outShape) n *= d;
  const out = allocLike(x, n);
  const rank = outShape.length;
  const xs = stridesOf(xShape).map((s, i) => (xShape[i] === 1 ? 0 : s));
  const idx = new Array<number>(rank).fill(0);
  let xi = 0;
  for (let i = 0; i < n; i++) {
    out[i] = x[xi]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      xi += xs[d]!;
      if (idx[d]! < outShape[d]!) break;
      xi -= xs[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
};
