// Reductions (sum, mean, max) over axes, with gradients.
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { normAxis, sizeOf } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

function normAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
  return out;
}

/** Broadcasts g (the reduced shape with kept dims) back to `shape`. */
function expandTo(g: Tensor, keptShape: readonly number[], shape: readonly number[]): Tensor {
  const ct = computeType(g);
  return wrap(kernel('expand', ct === 'f64')(floats(g, ct), keptShape, shape), shape);
}

function reduceAxes(op: 'sum' | 'max', x: Tensor, axes: number[]): { data: ReturnType<typeof floats>; kept: number[] } {
  const ct = computeType(x);
  let data = floats(x, ct);
  const cur = [...x.shape];
  for (const ax of axes) {
    const outer = sizeOf(cur.slice(0, ax));
    const inner = sizeOf(cur.slice(ax + 1));
    data = kernel('reduce', ct === 'f64')(op, data, outer, cur[ax]!, inner);
    cur[ax] = 1;
  }
  return { data, kept: cur };
}

export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  assertTensor(x, 'sum');
  const ax = normAxes(axes, x.rank);
  const { data, kept } = reduceAxes('sum', x, ax);
  const shape = keepdims ? kept : kept.filter((_, i) => !ax.includes(i));
  const out = wrap(data, shape);
  return record(out, 'sum', [x], (g) => [expandTo(g, kept, x.shape)]);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  assertTensor(x, 'mean');
  const ax = normAxes(axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  const s = sum(x, ax, keepdims);
  const ct = computeType(s);
  const out = wrap(kernel('affine', ct === 'f64')(s.f, 1 / count, 0), s.shape);
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return record(out, 'mean', [x], (g) => {
    const gs = wrap(kernel('affine', ct === 'f64')(floats(g, ct), 1 / count, 0), g.shape);
    return [expandTo(gs, kept, x.shape)];
  });
}

/** Maximum over one axis; the gradient goes to the first arg-max. */
export function max(x: Tensor, axis: number, keepdims = false): Tensor {
  assertTensor(x, 'max');
  const ax = normAxis(axis, x.rank);
  const ct = computeType(x);
  const xf = floats(x, ct);
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const dim = x.shape[ax]!;
  if (dim === 0) throw new Error(`max over axis ${axis} of size 0`);
  const data = kernel('reduce', ct === 'f64')('max', xf, outer, dim, inner);
  const shape = keepdims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
  const out = wrap(data, shape);
  return record(out, 'max', [x], (g) => [wrap(kernel('reduceMaxBackward', ct === 'f64')(xf, floats(g, ct), outer, dim, inner), x.shape)]);
}
