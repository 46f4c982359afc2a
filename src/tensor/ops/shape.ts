// Shape ops: reshape (a view), transpose, slice, concat, squeeze/unsqueeze, with gradients.
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt, normAxis, sizeOf, type Shape } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

/** Same storage, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor(x, 'reshape');
  const s = [...shape];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    const rest = s.reduce((a, d, i) => (i === infer ? a : a * d), 1);
    if (rest === 0 || x.size % rest !== 0) throw new Error(`reshape: cannot infer -1 in ${fmt(shape)} for ${x.size} elements`);
    s[infer] = x.size / rest;
  }
  if (sizeOf(s) !== x.size) throw new Error(`reshape: ${fmt(x.shape)} (${x.size} elements) cannot become ${fmt(shape)}`);
  const out = new Tensor(x.data, s, x.dtype);
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.size]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(ax, 0, 1);
  return reshape(x, s);
}

export function squeeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank);
  if (x.shape[ax] !== 1) throw new Error(`squeeze: axis ${axis} of ${fmt(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== ax));
}

/** Permutes axes (a copy); default reverses them. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor(x, 'transpose');
  const p = perm ? perm.map((a) => normAxis(a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== x.rank) throw new Error(`transpose: [${perm?.join(', ')}] is not a permutation of ${x.rank} axes`);
  const shape = p.map((a) => x.shape[a]!);
  const out = new Tensor(kernel('transpose', x.dtype === 'f64')(x.data, x.shape, p), shape, x.dtype);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => (inv[a] = i));
  return record(out, 'transpose', [x], (g) => [transpose(g, inv)]);
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const p = x.shape.map((_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1]!, p[x.rank - 2]!];
  return transpose(x, p);
}

/** x[..., start:end, ...] along axis (a view when axis is the leading one). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  assertTensor(x, 'slice');
  const ax = normAxis(axis, x.rank);
  const dim = x.shape[ax]!;
  const e = end === undefined ? dim : end < 0 ? dim + end : end;
  const s = start < 0 ? dim + start : start;
  if (!(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e <= dim && s <= e)) {
    throw new Error(`slice: range [${start}, ${end}) is out of bounds for axis ${axis} of size ${dim}`);
  }
  const shape = x.shape.map((d, i) => (i === ax ? e - s : d));
  let data;
  if (x.shape.slice(0, ax).every((d) => d === 1)) {
    const inner = sizeOf(x.shape.slice(ax + 1));
    data = x.data.subarray(s * inner, e * inner);
  } else {
    data = kernel('slice', x.dtype === 'f64')(x.data, x.shape, ax, s, e);
  }
  const out = new Tensor(data, shape, x.dtype);
  return record(out, 'slice', [x], (g) => {
    const ct = computeType(g);
    return [wrap(kernel('sliceBackward', ct === 'f64')(floats(g, ct), x.shape, ax, s), x.shape)];
  });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  xs.forEach((x, i) => assertTensor(x, `concat: input ${i}`));
  const first = xs[0]!;
  const ax = normAxis(axis, first.rank);
  for (const x of xs) {
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${xs.map((t) => fmt(t.shape)).join(', ')} differ outside axis ${axis}`);
    }
    if (x.dtype !== first.dtype) throw new Error(`concat: dtypes ${xs.map((t) => t.dtype).join(', ')} differ`);
  }
  const shape = first.shape.map((d, i) => (i === ax ? xs.reduce((n, x) => n + x.shape[ax]!, 0) : d));
  const out = new Tensor(kernel('concat', first.dtype === 'f64')(xs.map((x) => x.data), xs.map((x) => x.shape), ax), shape, first.dtype);
  return record(out, 'concat', xs, (g) => {
    let off = 0;
    return xs.map((x) => {
      const part = slice(g, ax, off, off + x.shape[ax]!);
      off += x.shape[ax]!;
      return part.clone();
    });
  });
}
