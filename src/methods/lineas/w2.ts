// The 1-D optimal-transport loss of LinEAS (methods.md §3.6): for two samples of n values each,
// W₂² = (1/n) Σ_k (a_(k) − b_(k))², the mean squared difference of the sorted values (matched
// quantiles), taken per coordinate and summed over coordinates.
//
// Sorting is piecewise constant, so the gradient flows through the values only: gather the source
// values in sorted order (a differentiable gather) and compare them with the sorted target.

import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';

/** W₂² between two equal-size samples of a 1-D distribution (plain numbers; the reference for the tensor loss). */
export function w2Squared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`w2: the samples must have one non-zero size, got ${a.length} and ${b.length}`);
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let s = 0;
  for (let k = 0; k < sa.length; k++) s += (sa[k]! - sb[k]!) ** 2;
  return s / sa.length;
}

/** The rows of a row-major [n, d] matrix sorted column by column (each column ascending). */
export function sortColumns(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  const col = new Float32Array(n);
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < n; k++) col[k] = x[k * d + j]!;
    col.sort();
    for (let k = 0; k < n; k++) out[k * d + j] = col[k]!;
  }
  return out;
}

/**
 * Σ_j W₂²(column j of the source rows, column j of the target) as a scalar tensor with gradients
 * to `h`. h: activations [..., d] holding the source rows; rows: which flat rows of h are the
 * sample (n of them); target: the target sample already sorted by column, [n, d] row-major.
 */
export function w2Loss(h: Tensor, rows: readonly number[], target: Float32Array): Tensor {
  const d = h.shape[h.rank - 1]!;
  const n = rows.length;
  if (target.length !== n * d) throw new Error(`w2: the target sample has ${target.length / d} rows of ${d}, the source ${n}`);
  const x = h.toFloat('f32').data as Float32Array;
  // For each column, the source rows in the order of their values: idx[k·d + j] is the flat
  // element of h that is the k-th smallest of column j.
  const idx = new Int32Array(n * d);
  const order = Array.from({ length: n }, (_, k) => k);
  for (let j = 0; j < d; j++) {
    order.sort((p, q) => x[rows[p]! * d + j]! - x[rows[q]! * d + j]!);
    for (let k = 0; k < n; k++) idx[k * d + j] = rows[order[k]!]! * d + j;
  }
  const sorted = ops.embedding(ops.reshape(h, [h.size, 1]), fromStorage(idx, [n * d], 'i32'));
  const diff = ops.sub(ops.reshape(sorted, [n, d]), fromStorage(target, [n, d], 'f32'));
  return ops.scale(ops.sum(ops.square(diff)), 1 / n);
}
