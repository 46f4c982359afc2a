// Reference data-movement kernels: transpose, slice (and its backward), concat.
import type { Kernels } from '../kernels.js';
import { allocLike, allocStorageLike, stridesOf } from './util.js';

export const transpose: Kernels['transpose'] = (x, shape, perm) => {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = stridesOf(shape);
  const permStrides = perm.map((p) => inStrides[p]!);
  const out = allocStorageLike(x, x.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < x.length; i++) {
    out[i] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += permStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= permStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
};

function outerInner(shape: readonly number[], axis: number): [number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, inner];
}

export const slice: Kernels['slice'] = (x, shape, axis, start, end) => {
  const [outer, inner] = outerInner(shape, axis);
  const dim = shape[axis]!;
  const len = end - start;
  const out = allocStorageLike(x, outer * len * inner);
  for (let o = 0; o < outer; o++) {
    const src = (o * dim + start) * inner;
    out.set(x.subarray(src, src + len * inner), o * len * inner);
  }
  return out;
};

export const sliceBackward: Kernels['sliceBackward'] = (g, full, axis, start) => {
  const [outer, inner] = outerInner(full, axis);
  const dim = full[axis]!;
  const len = g.length / (outer * inner);
  let n = 1;
  for (const d of full) n *= d;
  const out = allocLike(g, n);
  for (let o = 0; o < outer; o++) out.set(g.subarray(o * len * inner, (o + 1) * len * inner), (o * dim + start) * inner);
  return out;
};

export const concat: Kernels['concat'] = (xs, shapes, axis) => {
  const [outer, inner] = outerInner(shapes[0]!, axis);
  const dims = shapes.map((s) => s[axis]!);
  const total = dims.reduce((a, b) => a + b, 0);
  const out = allocStorageLike(xs[0]!, outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let off = o * total * inner;
    xs.forEach((x, j) => {
      const len = dims[j]! * inner;
      out.set(x.subarray(o * len, (o + 1) * len), off);
      off += len;
    });
  }
  return out;
};
